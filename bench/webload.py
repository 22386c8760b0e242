"""HTTP servers under test (uvicorn subprocesses) and the load tool (``wrk`` from Debian).

Our API and the bare baseline run with the same uvicorn flags: one worker, uvloop, httptools,
no access log. ``wrk`` runs with one thread and a fixed number of connections, cycling through
a list of paths (``wrk_paths.lua``), and reports latency percentiles.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from bench.common import ROOT

WRK_SCRIPT = Path(__file__).with_name("wrk_paths.lua")
UVICORN_FLAGS = (
    "--host", "127.0.0.1", "--workers", "1", "--loop", "uvloop", "--http", "httptools",
    "--no-access-log", "--log-level", "warning",
)  # fmt: skip


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(overrides: dict[str, str]) -> dict[str, str]:
    """The environment without any inherited ``DOMTOK_*`` variable, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMTOK_")}
    env.update(overrides)
    return env


class Server:
    """A uvicorn process serving ``factory`` (``module:function``) on a free port."""

    def __init__(
        self, factory: str, env: dict[str, str], log_dir: Path, *, profile_to: Path | None = None
    ) -> None:
        self.factory = factory
        self.env = clean_env(env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"server-{self.port}.log"
        self.profile_to = profile_to
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        """The command line: uvicorn, or uvicorn inside the profiler."""
        args = ["--factory", self.factory, "--port", str(self.port), *UVICORN_FLAGS]
        if self.profile_to is not None:
            return [sys.executable, "-m", "bench.profiled_server", str(self.profile_to), *args]
        return [sys.executable, "-m", "uvicorn", *args]

    def __enter__(self) -> Self:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Block until ``/healthz`` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.factory} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.factory} did not become ready: {self.log.read_text()[-2000:]}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Graceful stop (SIGINT, as Ctrl-C), then kill after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def get_json(url: str) -> Any:
    """GET ``url`` and return its JSON (raises on a non-2xx answer)."""
    response = httpx.get(url, timeout=30)
    response.raise_for_status()
    return response.json()


def run_wrk(
    base_url: str, paths: Sequence[str], seconds: float, connections: int = 16
) -> dict[str, Any]:
    """Load ``base_url`` cycling through ``paths``; requests/s, latency percentiles, errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        done = subprocess.run(
            [
                "wrk", "-t1", f"-c{connections}", f"-d{max(int(round(seconds)), 1)}s",
                "--timeout", "10s", "-s", str(WRK_SCRIPT), base_url, "--", listing.name,
            ],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        os.unlink(listing.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw[k] for k in raw if k.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "duration_s": raw["duration_s"],
        "requests_per_s": round(raw["requests"] / raw["duration_s"], 1),
        "errors": errors,
        "non_2xx_or_socket_errors": {k: raw[k] for k in raw if k.startswith("errors_")},
        "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
        "latency": {
            **{f"p{k.replace('.', '_')}_ms": v for k, v in raw["percentiles_ms"].items()},
            "mean_ms": raw["mean_ms"],
            "max_ms": raw["max_ms"],
        },
        "connections": connections,
    }
