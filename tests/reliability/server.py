"""A real API process (uvicorn) over a data directory of its own, for fault tests.

The server runs with a scrubbed environment (no servers from ``services.sh env``, no ``.env``:
its working directory is the data directory), on a free port of 127.0.0.1, logging to a file
the test can read afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.ports import free_port
from tests.reliability.world_template import TOKEN_MINUTES


class ApiServer:
    """``uvicorn --factory api.app:app_factory`` over ``data_dir``; start, kill -9, restart."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.log = data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOMTOK_")}
        env.update(
            {
                "DOMTOK_ENVIRONMENT": "test",
                "DOMTOK_DATA_DIR": str(self.data_dir),
                "DOMTOK_DATABASE_URL": self.database_url,
                "DOMTOK_MODEL_PROVIDER": "scripted",
                "DOMTOK_ACCESS_TOKEN_MINUTES": str(TOKEN_MINUTES),
                "DOMTOK_LOGIN_ATTEMPTS_PER_MINUTE": "10000",
            }
        )
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until ``/healthz`` answers."""
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:app_factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.data_dir, env=self._env(), stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the API did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lifespan exit, transactions cut wherever they are."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (SIGTERM), or a kill if it does not stop."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
