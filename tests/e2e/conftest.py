"""API tests through HTTP against a migrated database of their own, on every backend.

Each test runs on SQLite (a copy of a file migrated once per session) and, when
``DOMTOK_TEST_DATABASE_URL`` names a PostgreSQL server, again on PostgreSQL (a database cloned
from a template migrated once per session, dropped after the test): ids end in ``[sqlite]`` or
``[postgres]``.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.migrate import upgrade
from tests.conftest import make_settings
from tests.databases import (
    create_database,
    database_names,
    drop_database,
    postgres_base_url,
    unique_name,
)

_emails = itertools.count(1)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per session with Alembic; tests get clones."""
    base = postgres_base_url()
    name = unique_name("domtok_tpl")
    upgrade(create_database(base, name))
    try:
        yield name
    finally:
        drop_database(base, name)


@pytest.fixture(params=database_names())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test: a SQLite file, or a PostgreSQL clone."""
    if request.param == "sqlite":
        database = tmp_path / "domtok.db"
        shutil.copy(request.getfixturevalue("migrated_template"), database)
        yield f"sqlite+aiosqlite:///{database}"
        return
    template = request.getfixturevalue("postgres_template")
    base, name = postgres_base_url(), unique_name("domtok_t")
    yield create_database(base, name, template=template)
    drop_database(base, name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings over this test's database."""
    return make_settings(tmp_path, database_url=database_url)


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
