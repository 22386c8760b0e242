"""Helpers for the Redis integration tests (their fixtures are in ``conftest.py``).

The tests use their own logical database of the Redis that ``scripts/services/services.sh``
starts (``DOMTOK_REDIS_URL`` with the database number replaced) and empty it before each test,
so they neither see nor disturb keys of anything else using that Redis. Tests that need a
database take the e2e ``database_url`` fixture: they run on SQLite and, when
``DOMTOK_TEST_DATABASE_URL`` is set, on PostgreSQL too.
"""

from __future__ import annotations

import os

import pytest

from services.kernel.redis import RedisGuard, redis_client

REDIS_ENV = "DOMTOK_REDIS_URL"
TEST_DB = 9


def redis_test_url() -> str:
    """The test database's URL, or skip saying how to get a Redis."""
    base = os.environ.get(REDIS_ENV, "")
    if not base:
        pytest.skip(
            f'{REDIS_ENV} is not set; run `eval "$(bash scripts/services/services.sh env)"`'
        )
    return f"{base.rsplit('/', 1)[0]}/{TEST_DB}"


def dead_guard() -> RedisGuard:
    """A guard over a port where no Redis listens: every call fails fast."""
    return RedisGuard(redis_client("redis://127.0.0.1:1/0", 0.2), timeout=0.2, retry_after=0.0)
