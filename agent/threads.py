"""Thread ownership: which user a conversation belongs to.

Checkpoints hold the conversation; this table says whose it is. It lives with the checkpoints
(the agent's SQLite file, or the shop's PostgreSQL) and is created with them. A thread of
another user is reported as not found, like every other resource of the shop.

On PostgreSQL several API processes serve the same threads, so a run takes a lock that all of
them see (:meth:`ThreadStore.exclusive`): two processes answering the same confirmation at once
must not both resume it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from agent.checkpointer import SCHEMA_LOCK_KEY
from agent.schemas import ThreadOut
from config.sql_tracing import trace_engine
from config.telemetry import tracing_on
from services.kernel.clock import Clock, utc
from services.kernel.db import create_engine
from services.kernel.errors import NotFound
from services.kernel.ids import new_id
from services.kernel.pagination import Page, PageRequest

TITLE_LENGTH = 80
# First key of pg_advisory_lock(int, int) for chat runs ("chat"); the second is the thread's.
RUN_LOCK_SPACE = 0x63686174

metadata = MetaData()

chat_threads = Table(
    "chat_threads",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(40), nullable=False),
    Column("title", String(TITLE_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_chat_threads_user_updated", "user_id", "updated_at"),
)


class ThreadNotFound(NotFound):
    code = "thread_not_found"


class ThreadStore:
    """Create, find (owned only), touch and list chat threads."""

    def __init__(self, engine: AsyncEngine, clock: Clock, locks: AsyncEngine | None = None) -> None:
        self._engine = engine
        self._clock = clock
        self._locks = locks

    @classmethod
    async def open(cls, url: str, clock: Clock) -> ThreadStore:
        """Connect and create the table if it is missing."""
        # A lock is held on its own connection for a whole run, which also needs the store's
        # pool (touch); unpooled, busy runs can never starve the pool and wait on each other.
        locks = None if url.startswith("sqlite") else create_async_engine(url, poolclass=NullPool)
        store = cls(create_engine(url), clock, locks)
        if tracing_on():
            for engine in (store._engine, locks):
                if engine is not None:
                    trace_engine(engine)
        async with store._engine.begin() as conn:
            if locks is not None:  # another process may be creating the table right now
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
                )
            await conn.run_sync(metadata.create_all)
        return store

    async def aclose(self) -> None:
        """Release connections."""
        await self._engine.dispose()
        if self._locks is not None:
            await self._locks.dispose()

    @asynccontextmanager
    async def exclusive(self, thread_id: str) -> AsyncIterator[None]:
        """Wait until no other process runs ``thread_id``, and hold it for the block.

        A PostgreSQL session-level advisory lock: leaving the block closes its connection, which
        releases it, as does a process that dies mid-run. The SQLite store belongs to one
        process, whose in-process lock suffices.
        """
        if self._locks is None:
            yield
            return
        async with self._locks.connect() as conn:
            await conn.execute(
                text("SELECT pg_advisory_lock(:space, :key)"),
                {"space": RUN_LOCK_SPACE, "key": _lock_key(thread_id)},
            )
            yield

    async def create(self, user_id: str, first_message: str) -> ThreadOut:
        """A new thread of ``user_id``, titled by its first message."""
        now = self._clock.now()
        thread = ThreadOut(
            id=new_id("thr"), title=_title(first_message), created_at=now, updated_at=now
        )
        async with self._engine.begin() as conn:
            await conn.execute(chat_threads.insert().values(user_id=user_id, **thread.model_dump()))
        return thread

    async def get(self, user_id: str, thread_id: str) -> ThreadOut:
        """The thread if ``user_id`` owns it; otherwise ThreadNotFound."""
        query = select(*_columns()).where(
            chat_threads.c.id == thread_id, chat_threads.c.user_id == user_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            raise ThreadNotFound(f"No conversation {thread_id!r}.")
        return _out(row)

    async def touch(self, thread_id: str) -> None:
        """Mark the thread as just used (threads list newest first)."""
        statement = (
            update(chat_threads)
            .where(chat_threads.c.id == thread_id)
            .values(updated_at=self._clock.now())
        )
        async with self._engine.begin() as conn:
            await conn.execute(statement)

    async def list(self, user_id: str, paging: PageRequest) -> Page[ThreadOut]:
        """The user's threads, most recently used first."""
        mine = chat_threads.c.user_id == user_id
        query = (
            select(*_columns())
            .where(mine)
            .order_by(chat_threads.c.updated_at.desc(), chat_threads.c.id.desc())
            .offset(paging.offset)
            .limit(paging.limit)
        )
        async with self._engine.connect() as conn:
            total = (await conn.execute(select(func.count()).where(mine))).scalar_one()
            rows = (await conn.execute(query)).mappings().all()
        return Page[ThreadOut](
            items=[_out(row) for row in rows],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )


def _columns() -> Sequence[Column[object]]:
    c = chat_threads.c
    return [c.id, c.title, c.created_at, c.updated_at]


def _out(row: object) -> ThreadOut:
    data = dict(row)  # type: ignore[call-overload]
    for key in ("created_at", "updated_at"):
        value = data[key]
        data[key] = utc(value) if isinstance(value, datetime) else value
    return ThreadOut(**data)


def _lock_key(thread_id: str) -> int:
    """A signed 32-bit key from the thread id (a rare collision only serialises two threads)."""
    return int.from_bytes(hashlib.sha256(thread_id.encode()).digest()[:4], "big", signed=True)


def _title(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
