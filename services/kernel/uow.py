"""The unit of work: one transaction, its repositories, and the events it records."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.kernel.clock import Clock, SystemClock
from services.kernel.events import DomainEvent, EventPublisher, OutboxEvent


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

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

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._events = []
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

    def _open_repositories(self) -> None:
        """Hook for subclasses: build repositories over ``self.session``."""

    def emit(self, event: DomainEvent) -> None:
        """Record an event; it is stored with the commit and published after it."""
        self._events.append(event)

    async def commit(self) -> None:
        """Write pending events to the outbox, commit, then publish them."""
        now = self.clock.now()
        for event in self._events:
            self.session.add(
                OutboxEvent(
                    id=event.id,
                    topic=event.topic,
                    event_type=event.type,
                    aggregate_id=event.aggregate_id,
                    payload=event.payload,
                    created_at=now,
                )
            )
        await self.session.commit()
        events, self._events = self._events, []
        if self._publisher is not None and events:
            await self._publisher.publish(events)

    async def rollback(self) -> None:
        """Discard the transaction and its events."""
        self._events = []
        await self.session.rollback()
