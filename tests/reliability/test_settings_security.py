"""Settings that would let anyone forge tokens: an unchecked JWT algorithm ("none"), and the
published default secret on a server others can reach."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import uvicorn
from pydantic import ValidationError
from typer.testing import CliRunner

from cli import main as cli_main
from config.settings import DEFAULT_JWT_SECRET, warn_if_default_secret_exposed
from tests.conftest import make_settings

STRONG = "s" * 40


@pytest.mark.parametrize("algorithm", ["none", "None", "hs256", "HS1", "", "RS1024"])
def test_unknown_or_unsigned_jwt_algorithms_are_refused(tmp_path: Path, algorithm: str) -> None:
    with pytest.raises(ValidationError, match="DOMTOK_JWT_ALGORITHM must be one of"):
        make_settings(tmp_path, jwt_algorithm=algorithm)


@pytest.mark.parametrize(
    "algorithm", ["HS256", "HS384", "HS512", "RS256", "ES256", "PS512", "EdDSA"]
)
def test_hmac_and_public_key_algorithms_are_accepted(tmp_path: Path, algorithm: str) -> None:
    assert make_settings(tmp_path, jwt_algorithm=algorithm).jwt_algorithm == algorithm


def test_production_still_refuses_the_default_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="DOMTOK_JWT_SECRET"):
        make_settings(tmp_path, environment="production", jwt_secret=DEFAULT_JWT_SECRET)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "shop.example.com"])
def test_the_default_secret_on_a_reachable_host_is_a_loud_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, host: str
) -> None:
    settings = make_settings(tmp_path, environment="development")
    with caplog.at_level(logging.WARNING):
        assert warn_if_default_secret_exposed(settings, host)
    assert any("DOMTOK_JWT_SECRET" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("host", "secret"),
    [
        ("127.0.0.1", DEFAULT_JWT_SECRET),
        ("localhost", DEFAULT_JWT_SECRET),
        ("::1", DEFAULT_JWT_SECRET),
        ("0.0.0.0", STRONG),
    ],
)
def test_loopback_or_a_strong_secret_gives_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, host: str, secret: str
) -> None:
    settings = make_settings(tmp_path, jwt_secret=secret)
    with caplog.at_level(logging.WARNING):
        assert not warn_if_default_secret_exposed(settings, host)
    assert not caplog.records


def test_serve_warns_when_the_default_secret_serves_all_interfaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    started: list[str] = []
    monkeypatch.setattr(cli_main, "get_settings", lambda: make_settings(tmp_path))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs["host"]))
    with caplog.at_level(logging.WARNING):
        result = CliRunner().invoke(
            cli_main.app, ["serve", "--host", "0.0.0.0", "--no-migrate"], catch_exceptions=False
        )
    assert result.exit_code == 0
    assert started == ["0.0.0.0"]
    assert any("default DOMTOK_JWT_SECRET" in record.getMessage() for record in caplog.records)
