"""`domtok users create`: operators create customers, merchants and admins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import get_settings
from services.bootstrap import bootstrap
from services.users.schemas import UserOut
from tests.conftest import make_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI's settings at a private, not yet migrated database."""
    monkeypatch.setenv("DOMTOK_ENVIRONMENT", "test")
    monkeypatch.setenv("DOMTOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOMTOK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _find(data_dir: Path, email: str) -> UserOut | None:
    async def lookup() -> UserOut | None:
        container = bootstrap(make_settings(data_dir))
        try:
            return await container.users.find_by_email(email)
        finally:
            await container.aclose()

    return asyncio.run(lookup())


def _create(*args: str, prompt: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["users", "create", *args], input=prompt)
    return result.exit_code, result.stdout


def test_create_admin_prints_the_new_id(data_dir: Path) -> None:
    code, out = _create(
        "--email", "Boss@Example.com", "--name", "Boss", "--password", "secret123", "--admin"
    )
    assert code == 0, out
    user = _find(data_dir, "boss@example.com")
    assert user is not None
    assert (user.role, user.id) == ("admin", out.strip().splitlines()[-1])


def test_create_merchant_and_customer(data_dir: Path) -> None:
    assert (
        _create("--email", "m@example.com", "--name", "M", "--password", "secret123", "--merchant")[
            0
        ]
        == 0
    )
    assert _create("--email", "c@example.com", "--name", "C", "--password", "secret123")[0] == 0
    merchant, customer = _find(data_dir, "m@example.com"), _find(data_dir, "c@example.com")
    assert merchant is not None
    assert merchant.role == "merchant"
    assert customer is not None
    assert customer.role == "customer"


def test_password_is_prompted_for_when_omitted(data_dir: Path) -> None:
    code, _ = _create("--email", "p@example.com", "--name", "P", prompt="secret123\nsecret123\n")
    assert code == 0
    assert _find(data_dir, "p@example.com") is not None


def test_duplicate_email_fails_with_exit_code_1(data_dir: Path) -> None:
    assert _create("--email", "d@example.com", "--name", "D", "--password", "secret123")[0] == 0
    assert _create("--email", "D@example.com", "--name", "D", "--password", "secret123")[0] == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--email", "s@example.com", "--name", "S", "--password", "short"),
        ("--email", "not-an-email", "--name", "S", "--password", "secret123"),
        (
            "--email",
            "s@example.com",
            "--name",
            "S",
            "--password",
            "secret123",
            "--admin",
            "--merchant",
        ),
    ],
)
def test_invalid_input_fails_with_exit_code_2(data_dir: Path, args: tuple[str, ...]) -> None:
    assert _create(*args)[0] == 2
