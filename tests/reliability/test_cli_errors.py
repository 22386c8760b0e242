"""The ``domtok`` command line explains a broken setup in one line on stderr and exits 1;
``--debug`` shows the traceback instead."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from config.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-pw"


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings read anew from this test's environment (no ``.env``, a private data dir)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOMTOK_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str, **env: str) -> Result:
    """``domtok ARGS`` in-process with these environment variables."""
    return CliRunner().invoke(app, list(args), env=env)


def one_line_error(result: Result) -> str:
    """The single stderr line of a failed command (no traceback anywhere)."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("url", ["nonsense", "foo://x/y", "postgresql+asyncpg://u@h:port/db"])
def test_a_bad_database_url_is_named(url: str) -> None:
    line = one_line_error(run("migrate", DOMTOK_DATABASE_URL=url))
    assert "DOMTOK_DATABASE_URL is not a usable database URL" in line


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = f"postgresql+asyncpg://domtok:{SECRET}@127.0.0.1:{_closed_port()}/domtok"
    line = one_line_error(run("migrate", DOMTOK_DATABASE_URL=url))
    assert "cannot reach the database (DOMTOK_DATABASE_URL)" in line
    assert SECRET not in line


def test_a_missing_schema_says_to_migrate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    line = one_line_error(run("seed", "--demo", "--no-migrate", DOMTOK_DATABASE_URL=url))
    assert "run `domtok migrate`" in line


def test_an_invalid_setting_names_its_environment_variable() -> None:
    line = one_line_error(run("migrate", DOMTOK_ACCESS_TOKEN_MINUTES="soon"))
    assert "DOMTOK_ACCESS_TOKEN_MINUTES" in line
    assert "'soon'" in line


def test_llm_serve_without_the_local_model_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # ``import llama_cpp`` now fails

    def no_server(*args: object, **kwargs: object) -> None:
        raise AssertionError("a server started without the model's runtime")

    monkeypatch.setattr("uvicorn.run", no_server)
    line = one_line_error(run("llm", "serve"))
    assert "llama-cpp-python" in line
    assert "make local-model" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DOMTOK_DATABASE_URL": "nonsense", "DOMTOK_DATA_DIR": str(tmp_path)}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "cli.main", "--debug", "migrate"]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr
    assert "ArgumentError" in done.stderr
