"""Where conversations persist: SQLite next to the shop's data, or the shop's PostgreSQL.

A thread (its messages and any confirmation it is waiting for) survives a restart of the
process: the next request finds it in the checkpointer exactly where it stopped. On PostgreSQL
every API process shares it, so any of them can continue any thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from config.settings import Settings

CHECKPOINT_FILE = "agent.db"
# pg_advisory_lock key ("domtok_a"gent): API processes starting together on a new database
# create the agent's tables one at a time (the saver's own setup is not safe to run concurrently).
SCHEMA_LOCK_KEY = 0x646F6D746F6B5F61


def agent_store_url(settings: Settings) -> str:
    """SQLAlchemy URL of the agent's own tables: the SQLite file or the shop's PostgreSQL."""
    if settings.is_sqlite:
        return f"sqlite+aiosqlite:///{checkpoint_path(settings)}"
    return settings.database_url


def checkpoint_path(settings: Settings) -> Path:
    """The SQLite checkpoint file in the data directory (embedded default)."""
    return settings.data_dir / CHECKPOINT_FILE


def postgres_conninfo(database_url: str) -> str:
    """A libpq URL from the SQLAlchemy one (``postgresql+asyncpg://`` → ``postgresql://``)."""
    scheme, rest = database_url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """The process's checkpointer, set up (tables created) and closed on exit."""
    if settings.is_sqlite:
        async with _sqlite(checkpoint_path(settings)) as saver:
            yield saver
    else:
        async with _postgres(postgres_conninfo(settings.database_url)) as saver:
            yield saver


@asynccontextmanager
async def _sqlite(path: Path) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(path, timeout=30) as conn:
        # WAL lets the thread table's engine read while the saver writes.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA busy_timeout=30000")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver


@asynccontextmanager
async def _postgres(conninfo: str) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool
    except ImportError as exc:  # the `stack` extra is not installed
        raise RuntimeError(
            "PostgreSQL conversations need langgraph-checkpoint-postgres and psycopg: "
            "pip install -e '.[stack]'"
        ) from exc
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    async with AsyncConnectionPool(conninfo, kwargs=kwargs, max_size=10, open=False) as pool:
        saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]  # rows are dicts (dict_row)
        async with pool.connection() as conn:
            await _wait_for_lock(conn, SCHEMA_LOCK_KEY)
            try:
                await saver.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
        yield saver


async def _wait_for_lock(conn: Any, key: int, every: float = 0.1) -> None:
    """Take a session-level advisory lock by polling.

    A blocking ``pg_advisory_lock`` would deadlock: the saver's setup creates indexes
    ``CONCURRENTLY``, which waits for every older transaction, including a waiter's statement.
    """
    while True:
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", (key,))
        row = await cursor.fetchone()
        if row["locked"]:
            return
        await asyncio.sleep(every)
