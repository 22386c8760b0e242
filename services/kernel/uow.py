"""The unit of work: one transaction, its repositories, and the events it records."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.kernel.clock import Clock, SystemClock
from services.kernel.db import read_only_options
from services.kernel.errors import Busy
from services.kernel.events import DomainEvent, EventPublisher, OutboxEvent

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

    ``async with uow.read_only(): ...`` is a reader: it never commits, and on SQLite it does not
    take the write lock (see :func:`services.kernel.db.read_only_options`).

    Subclasses attach repositories in :meth:`_open_repositories`.
    """

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self.clock: Clock = clock or SystemClock()
        self._events: list[DomainEvent] = []
        self._before_commit: list[Hook] = []
        self._after_rollback: list[Hook] = []
        self._read_only = False

    def read_only(self) -> Self:
        """Make this unit of work a reader (before entering it); :meth:`commit` then refuses."""
        self._read_only = True
        return self

    async def __aenter__(self) -> Self:
        if self._read_only:
            self.session = self._sessions(execution_options=read_only_options())
        else:
            self.session = self._sessions()
        self._events = []
        self._before_commit, self._after_rollback = [], []
        self._open_repositories()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            await self._run_rollback_hooks()
        if isinstance(exc, PoolTimeout):
            # Every pooled connection stayed taken for the pool's whole wait: shed the request
            # with a clean "try again" rather than an internal error.
            raise Busy("The shop is very busy right now; please try again.") from exc

    def _open_repositories(self) -> None:
        """Hook for subclasses: build repositories over ``self.session``."""

    def before_commit(self, hook: Hook) -> None:
        """Run ``hook`` just before the next commit (after the outbox rows are staged)."""
        self._before_commit.append(hook)

    def after_rollback(self, hook: Hook) -> None:
        """Run ``hook`` if the work done so far is rolled back instead of committed.

        For side effects outside the database (a Redis reservation) that must be undone when
        the transaction that relied on them does not commit.
        """
        self._after_rollback.append(hook)

    def emit(self, event: DomainEvent) -> None:
        """Record an event; it is stored with the commit and published after it."""
        self._events.append(event)

    async def commit(self) -> None:
        """Write pending events to the outbox, commit, then publish them."""
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        now = self.clock.now()
        if self._events:
            # One multi-row INSERT through Core: the ORM's unit of work would cost more CPU
            # than the rest of a checkout's writes.
            rows = [
                {
                    "id": event.id,
                    "topic": event.topic,
                    "event_type": event.type,
                    "aggregate_id": event.aggregate_id,
                    "payload": event.payload,
                    "created_at": now,
                }
                for event in self._events
            ]
            await self.session.execute(insert(cast(Table, OutboxEvent.__table__)), rows)
        hooks, self._before_commit = self._before_commit, []
        for hook in hooks:
            await hook()
        await self.session.commit()
        self._after_rollback = []
        events, self._events = self._events, []
        if self._publisher is not None and events:
            await self._publisher.publish(events)

    async def rollback(self) -> None:
        """Discard the transaction and its events."""
        self._events = []
        self._before_commit = []
        await self.session.rollback()
        await self._run_rollback_hooks()

    async def _run_rollback_hooks(self) -> None:
        hooks, self._after_rollback = self._after_rollback, []
        for hook in hooks:
            try:
                await hook()
            except Exception:
                log.exception("an after-rollback hook failed")
