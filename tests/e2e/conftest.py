"""API tests through HTTP against a migrated database of their own, on every backend.

Each test runs on SQLite and, when ``DOMTOK_TEST_DATABASE_URL`` names a PostgreSQL server,
again on PostgreSQL: see the ``database_url`` fixture in ``tests/conftest.py``. Ids end in
``[sqlite]`` or ``[postgres]``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from tests.conftest import make_settings

_emails = itertools.count(1)


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


@pytest.fixture
async def site(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client at the site root (the ``client`` fixture is based at /api/v1)."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def unique_email(prefix: str = "shopper") -> str:
    """A fresh address for each registration in a test."""
    return f"{prefix}{next(_emails)}@example.com"


def error_code(response: httpx.Response) -> Any:
    """The ``error.code`` of an error envelope."""
    return response.json()["error"]["code"]
