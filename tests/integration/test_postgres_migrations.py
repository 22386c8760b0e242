"""The Alembic migrations on a real PostgreSQL: up from empty, down to nothing, up again, and
the migrated schema matches the models exactly (types, lengths, indexes, constraints)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

import services.models  # noqa: F401  (registers every table)
from services.kernel.db import Base
from services.migrate import alembic_config
from tests.databases import (
    SKIP_REASON,
    create_database,
    drop_database,
    postgres_base_url,
    unique_name,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards)."""
    base = postgres_base_url()
    if not base:
        pytest.skip(SKIP_REASON)
    name = unique_name("domtok_migrations")
    url = create_database(base, name)
    try:
        yield url
    finally:
        drop_database(base, name)


def tables(url: str) -> set[str]:
    """The table names in the database's public schema."""

    async def read() -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()
        return set(names)

    return asyncio.run(read())


def test_postgres_migrations_upgrade_downgrade_and_upgrade_again(empty_postgres: str) -> None:
    config = alembic_config(empty_postgres)
    model_tables = set(Base.metadata.tables)
    assert tables(empty_postgres) == set()

    command.upgrade(config, "head")
    assert tables(empty_postgres) == model_tables | {"alembic_version"}

    command.downgrade(config, "base")
    assert tables(empty_postgres) == {"alembic_version"}

    command.upgrade(config, "head")
    assert tables(empty_postgres) == model_tables | {"alembic_version"}


def test_postgres_migrated_schema_matches_the_models(empty_postgres: str) -> None:
    config = alembic_config(empty_postgres)
    command.upgrade(config, "head")
    # Raises when autogenerate would find any difference between models and database.
    command.check(config)
