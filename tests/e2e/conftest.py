"""API tests through HTTP against a migrated SQLite database (one copy per test)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.migrate import upgrade
from tests.conftest import make_settings

_emails = itertools.count(1)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path) -> Settings:
    """Settings over a fresh copy of the migrated database."""
    database = tmp_path / "domtok.db"
    shutil.copy(migrated_template, database)
    return make_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{database}")


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The real service container over the test database."""
    built = bootstrap(settings)
    yield built
    await built.aclose()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, based at ``/api/v1``."""
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield http


def unique_email(prefix: str = "shopper") -> str:
    """A fresh address for each registration in a test."""
    return f"{prefix}{next(_emails)}@example.com"


def error_code(response: httpx.Response) -> Any:
    """The ``error.code`` of an error envelope."""
    return response.json()["error"]["code"]
