"""Start (or reuse) the local model server and hand back its OpenAI base URL.

`ensure_local_server(settings)` reuses a healthy DomTok LLM server already answering on
`settings.llm_host:llm_port`, waits for one that is still loading, and otherwise starts
`python -m agent.llm.server` as a child process, which it stops at interpreter exit — only
when it started it. `local_server(settings)` is the same as a context manager.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from agent.llm.assemble import ensure_model
from agent.llm.protocol import SERVER_NAME
from config.settings import Settings

_POLL_SECONDS = 0.5
logger = logging.getLogger(__name__)


class LocalServerError(RuntimeError):
    """The local model server could not be started or did not become healthy."""


def base_url(settings: Settings) -> str:
    """The OpenAI-compatible base URL (…/v1) for the configured host and port."""
    return f"http://{settings.llm_host}:{settings.llm_port}/v1"


def probe(settings: Settings) -> str:
    """ "ok", "loading", "error", "foreign" (something else answers) or "down"."""
    url = f"http://{settings.llm_host}:{settings.llm_port}/health"
    try:
        response = httpx.get(url, timeout=2.0)
        body = response.json()
    except httpx.HTTPError:
        return "down"
    except ValueError:
        return "foreign"
    if not isinstance(body, dict) or body.get("server") != SERVER_NAME:
        return "foreign"
    return str(body.get("status", "error"))


# The longest a warm-up (the agent's ~4,500-token prompt on a busy 2-core machine) may take.
WARMUP_SECONDS = 600.0


class _Child:
    """A server process we started, with its log file."""

    def __init__(self, settings: Settings, warmup: dict[str, Any] | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix="domtok-llm-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        command = [sys.executable, "-m", "agent.llm.server", "--host", settings.llm_host]
        command += ["--port", str(settings.llm_port), "--n-ctx", str(settings.llm_n_ctx)]
        command += ["--threads", str(settings.llm_threads)]
        if settings.model_dir is not None:
            command += ["--model-dir", str(settings.model_dir)]
        self.warmup_file: Path | None = None
        if settings.llm_warmup_file is not None:
            command += ["--warmup", str(settings.llm_warmup_file)]
        elif warmup is not None:
            # The server warms up on the agent's prompt itself, so it can save and reload the
            # evaluated state (agent.llm.prompt_state): later starts are warm in seconds.
            handle, name = tempfile.mkstemp(prefix="domtok-llm-warmup-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(warmup, out)
            self.warmup_file = Path(name)
            command += ["--warmup", name]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def tail(self, lines: int = 20) -> str:
        """The last lines of the server's output, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the process (then kill it if it lingers); keep the log if it had died."""
        died = self.process.poll()
        if self.warmup_file is not None:
            self.warmup_file.unlink(missing_ok=True)
        if died is not None and died != 0:
            logger.warning("local model server exited with %s; log kept at %s", died, self.log)
            return
        if died is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.unlink(missing_ok=True)


def _check_installed() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalServerError(
            "llama-cpp-python is not installed; install the local model with "
            "pip install -e '.[local]' (compiles llama.cpp, ~6 minutes)"
        )


def _failure_message(child: _Child | None) -> str:
    detail = child.tail() if child else "see the server's log"
    message = f"local model server failed to start:\n{detail}"
    if child is not None and child.process.returncode == -signal.SIGILL:
        message += (
            "\nThe process died of SIGILL: this llama-cpp-python build uses CPU instructions "
            "this machine cannot run (typically AMX). Rebuild it with "
            "scripts/install_local_model.sh."
        )
    return message


def _wait_healthy(settings: Settings, child: _Child | None, console: Console) -> None:
    # A server warming up on the agent's prompt is healthy only after it: allow it the time
    # the warm-up request itself would have had.
    warming = child is not None and child.warmup_file is not None
    limit = settings.llm_start_timeout + (WARMUP_SECONDS if warming else 0.0)
    deadline = time.monotonic() + limit
    with console.status("Starting the local model (assembling, loading, warming up)…"):
        while time.monotonic() < deadline:
            status = probe(settings)
            if status == "ok":
                return
            if status == "error" or (child is not None and child.process.poll() is not None):
                raise LocalServerError(_failure_message(child))
            time.sleep(_POLL_SECONDS)
    raise LocalServerError(
        f"local model server not healthy after {limit:.0f} s"
        + (f":\n{child.tail()}" if child else "")
    )


def _warm(settings: Settings, warmup: dict[str, Any]) -> None:
    body = {**warmup, "stream": False, "max_tokens": 1}
    response = httpx.post(
        f"{base_url(settings)}/chat/completions", json=body, timeout=WARMUP_SECONDS
    )
    response.raise_for_status()


def _start_or_reuse(
    settings: Settings, console: Console, warmup: dict[str, Any] | None = None
) -> _Child | None:
    status = probe(settings)
    if status == "ok":
        return None
    if status == "loading":
        _wait_healthy(settings, None, console)
        return None
    if status != "down":
        raise LocalServerError(
            f"port {settings.llm_port} on {settings.llm_host} is taken by something that is "
            f"not a healthy DomTok LLM server ({status}); set DOMTOK_LLM_PORT to another port"
        )
    _check_installed()
    ensure_model(settings.model_dir, show_progress=console.is_terminal)
    child = _Child(settings, warmup)
    try:
        _wait_healthy(settings, child, console)
    except BaseException:
        child.stop()
        raise
    return child


def ensure_local_server(
    settings: Settings, warmup: dict[str, Any] | None = None, console: Console | None = None
) -> str:
    """Return the base URL of a healthy local server, starting one if needed.

    `warmup` is an optional chat-completion body (the agent's system prompt and tools) sent
    once with max_tokens=1 so its prompt prefix is cached before the first real request.
    A server started here is stopped at interpreter exit.
    """
    child = _start_or_reuse(settings, console or Console(stderr=True), warmup)
    if child is not None:
        atexit.register(child.stop)
    if warmup is not None:
        _warm(settings, warmup)
    return base_url(settings)


@contextmanager
def local_server(
    settings: Settings, warmup: dict[str, Any] | None = None, console: Console | None = None
) -> Iterator[str]:
    """Context manager form: yields the base URL; stops the server on exit if started here."""
    child = _start_or_reuse(settings, console or Console(stderr=True), warmup)
    try:
        if warmup is not None:
            _warm(settings, warmup)
        yield base_url(settings)
    finally:
        if child is not None:
            child.stop()
