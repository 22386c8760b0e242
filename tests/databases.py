"""Throw-away PostgreSQL databases for tests, cloned from a template migrated once per session.

``CREATE DATABASE ... TEMPLATE`` copies a migrated schema in ~30 ms (on the fsync-off test
cluster of ``scripts/services/services.sh``), so every test gets its own database, as every
SQLite test gets its own file.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time

import asyncpg
from sqlalchemy.engine import make_url

PG_ENV = "DOMTOK_TEST_DATABASE_URL"
SKIP_REASON = f'{PG_ENV} is not set; run `eval "$(bash scripts/services/services.sh env)"`'


def postgres_base_url() -> str:
    """The test server's database URL from the environment, or ``""`` when unset."""
    url = os.environ.get(PG_ENV, "")
    return url if url.startswith("postgresql") else ""


def database_names() -> list[str]:
    """The backends e2e tests run on: SQLite always, PostgreSQL when the URL is set."""
    return ["sqlite", "postgres"] if postgres_base_url() else ["sqlite"]


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (password kept)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def unique_name(prefix: str) -> str:
    """A database name no other test run uses."""
    return f"{prefix}_{secrets.token_hex(5)}"


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def admin_sql_async(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def admin_sql(url: str, *statements: str) -> None:
    """:func:`admin_sql_async` from synchronous code (fixtures outside the event loop)."""
    asyncio.run(admin_sql_async(url, *statements))


def create_database(base_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (a copy of ``template`` when given); returns its URL."""
    clause = f' TEMPLATE "{template}"' if template else ""
    admin_sql(base_url, f'CREATE DATABASE "{name}"{clause}')
    return with_database(base_url, name)


def drop_database(base_url: str, name: str, attempts: int = 25) -> None:
    """Drop ``name``, ending any connection a test left open.

    ``FORCE`` may not end an autovacuum worker (it belongs to no role we may signal), so the
    drop is retried for a few seconds until the worker is done.
    """
    for attempt in range(attempts):
        try:
            admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)
