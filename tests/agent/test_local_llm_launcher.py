"""Launcher decisions against small real HTTP servers on 127.0.0.1 (no model needed)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.llm.launcher import LocalServerError, ensure_local_server, probe
from config.settings import Settings
from tests.conftest import make_settings
from tests.ports import free_port


def _health_server(body: dict[str, object], status: int = 200) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def serving(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a stub /health server answering the parametrized body."""
    body, status = request.param
    server = _health_server(body, status)
    try:
        yield make_settings(tmp_path, llm_port=server.server_address[1], llm_start_timeout=5)
    finally:
        server.shutdown()
        server.server_close()


def test_a_closed_port_is_down(tmp_path: Path) -> None:
    assert probe(make_settings(tmp_path, llm_port=free_port())) == "down"


@pytest.mark.parametrize(
    "serving", [({"status": "ok", "server": "domtok-llm"}, 200)], indirect=True
)
def test_a_healthy_domtok_server_is_reused_without_starting_one(serving: Settings) -> None:
    assert probe(serving) == "ok"
    assert ensure_local_server(serving) == f"http://127.0.0.1:{serving.llm_port}/v1"


@pytest.mark.parametrize("serving", [({"status": "ok"}, 200)], indirect=True)
def test_another_service_on_the_port_is_refused_with_advice(serving: Settings) -> None:
    assert probe(serving) == "foreign"
    with pytest.raises(LocalServerError, match="DOMTOK_LLM_PORT"):
        ensure_local_server(serving)


@pytest.mark.parametrize(
    "serving",
    [({"status": "error", "server": "domtok-llm", "error": "boom"}, 503)],
    indirect=True,
)
def test_a_failed_domtok_server_is_reported_not_replaced(serving: Settings) -> None:
    assert probe(serving) == "error"
    with pytest.raises(LocalServerError):
        ensure_local_server(serving)
