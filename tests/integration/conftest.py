"""Fixtures of the Redis integration tests: an empty Redis database per test, and the app
with every Redis adapter over the test's own database (SQLite, and PostgreSQL when configured;
see ``database_url`` in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis_asyncio
from redis import Redis as SyncRedis

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.redis import RedisGuard, redis_client
from tests.conftest import make_settings
from tests.integration.redis_stack import redis_test_url


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database for this test."""
    url = redis_test_url()
    client = SyncRedis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.close()


@pytest.fixture
async def redis_keys(redis_url: str) -> AsyncIterator[redis_asyncio.Redis]:
    """A plain client of the test database, for looking at keys."""
    client = redis_asyncio.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_guard(redis_url: str) -> AsyncIterator[RedisGuard]:
    """A guard over the test database that retries at once after a failure."""
    built = RedisGuard(redis_client(redis_url, 2.0), timeout=2.0, retry_after=0.0)
    yield built
    await built.aclose()


@pytest.fixture
def redis_settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    """Settings over this test's database (SQLite or PostgreSQL) and the test Redis."""
    return make_settings(
        tmp_path, database_url=database_url, redis_url=redis_url, redis_retry_seconds=0.2
    )


@pytest.fixture
async def redis_container(redis_settings: Settings) -> AsyncIterator[Container]:
    """The real container with every Redis adapter."""
    built = bootstrap(redis_settings)
    yield built
    await built.aclose()


@pytest.fixture
async def redis_api(redis_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client of the app over ``container``."""
    transport = httpx.ASGITransport(app=create_app(container=redis_container))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/api/v1", timeout=120
    ) as http:
        yield http
