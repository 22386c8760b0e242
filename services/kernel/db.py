"""Database engine, declarative base and common column helpers (SQLAlchemy 2.0 async)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from services.kernel.clock import utc

# Session execution options of a reader (see :func:`read_only_options`).
READ_ONLY = "domtok_read_only"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else utc(value)


class Base(DeclarativeBase):
    """Declarative base of every table; migrations are generated from its metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


class Timestamps:
    """``created_at`` / ``updated_at`` columns, set by the application clock."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


def read_only_options() -> dict[str, bool]:
    """Execution options of a session that only reads (``sessions(execution_options=...)``).

    On SQLite such a session starts a plain deferred ``BEGIN``: it reads a consistent snapshot
    (WAL mode) without taking the write lock, so readers never queue behind writers or each
    other. Other backends ignore the option.
    """
    return {READ_ONLY: True}


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; on SQLite every transaction but a reader's takes the write lock up front;
    on PostgreSQL pooled connections are pinged before use, so a server restart fails no request.

    ``BEGIN IMMEDIATE`` serialises writers so that read-check-write sequences (stock, payments)
    cannot interleave, which makes the embedded path as safe as row locks on PostgreSQL.
    Sessions opened with :func:`read_only_options` begin deferred instead.
    """
    if database_url.startswith("sqlite"):
        return _sqlite_engine(database_url, echo)
    # pool_pre_ping: after a server restart every pooled connection is dead, and without a ping
    # the first request on each would fail. The ping costs a round trip per checkout.
    return create_async_engine(database_url, echo=echo, pool_size=10, pool_pre_ping=True)


def _sqlite_engine(database_url: str, echo: bool) -> AsyncEngine:
    path = database_url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(database_url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        reader = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
