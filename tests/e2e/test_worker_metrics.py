"""``domtok worker`` serves its Prometheus metrics on ``/metrics``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cli.worker import metrics_server
from config.settings import Settings
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_metrics_server_serves_prometheus_text_until_the_block_ends() -> None:
    with metrics_server("127.0.0.1", 0) as port:
        assert port is not None
        response = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "domtok_outbox_pending" in response.text
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics")


def test_port_off_means_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMTOK_WORKER_METRICS_PORT", "off")
    off = make_settings(tmp_path).worker_metrics_port
    assert off is None
    with metrics_server("127.0.0.1", off) as port:
        assert port is None


def test_the_running_worker_exposes_metrics(settings: Settings) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOMTOK_")}
    env.update(
        {
            "DOMTOK_ENVIRONMENT": "test",
            "DOMTOK_DATA_DIR": str(settings.data_dir),
            "DOMTOK_DATABASE_URL": settings.database_url,
            "DOMTOK_WORKER_METRICS_PORT": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    command = [sys.executable, "-m", "cli.main", "worker"]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as worker:
        try:
            assert worker.stdout is not None
            url = None
            for line in worker.stdout:
                found = re.search(r"metrics on (http://\S+/metrics)", line)
                if found:
                    url = found.group(1)
                    break
            assert url is not None, worker.stderr.read() if worker.stderr else ""
            response = httpx.get(url)
            assert response.status_code == 200
            assert "domtok_outbox_published_total" in response.text
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
