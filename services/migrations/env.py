"""Alembic environment: runs migrations on the configured database with the async engine."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

import services.models  # noqa: F401  (registers every table)
from config.settings import get_settings
from services.kernel.db import Base, create_engine

target_metadata = Base.metadata
# The full-text index (migration 0004) lives outside the models: SQLite's FTS5 tables and
# PostgreSQL's products.search_vector with its GIN index are written by triggers only.
FULL_TEXT_OBJECTS = ("product_search", "search_vector", "ix_products_search_vector")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate compares everything but the trigger-maintained full-text index."""
    return not (reflected and compare_to is None and (name or "").startswith(FULL_TEXT_OBJECTS))


def _database_url() -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    return configured or get_settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_database_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def _run_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    asyncio.run(_run_online())
