"""Domain events, the outbox table that stores them, and the in-process bus.

Services record events on the unit of work; the unit of work writes them to the outbox in the
same transaction and hands them to the bus only after commit, so a rollback discards them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import Base
from services.kernel.ids import new_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened: ``order.paid`` for aggregate ``ord_...`` with a payload."""

    type: str
    aggregate_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id("evt"))

    @property
    def topic(self) -> str:
        """Kafka topic: the event family (``domtok.order``)."""
        return "domtok." + self.type.split(".", 1)[0]


class OutboxEvent(Base):
    """A domain event waiting to be (or already) published.

    ``seq`` is the order events were written in: the relay publishes in that order, which
    keeps each aggregate's events in order (writers of one aggregate serialise on its row).
    """

    __tablename__ = "outbox_events"

    # INTEGER PRIMARY KEY on SQLite (the rowid, so it auto-increments); BIGINT identity elsewhere.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(40), unique=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    aggregate_id: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(index=True, default=None)

    def to_event(self) -> DomainEvent:
        """Back to the domain event."""
        return DomainEvent(self.event_type, self.aggregate_id, dict(self.payload), self.id)


Handler = Callable[[DomainEvent], Awaitable[None]]


class EventPublisher(Protocol):
    """Where committed events go: the in-process bus, or Kafka through the outbox relay."""

    async def publish(self, events: Sequence[DomainEvent]) -> None: ...


class InProcessEventBus:
    """Delivers events to subscribers in this process; a failing handler is logged, not raised."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: str, handler: Handler) -> None:
        """Call ``handler`` for every event of ``event_type`` (``*`` for all)."""
        self._handlers[event_type].append(handler)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Run the handlers of each event in order."""
        for event in events:
            for handler in [*self._handlers[event.type], *self._handlers["*"]]:
                try:
                    await handler(event)
                except Exception:
                    log.exception("event handler failed for %s %s", event.type, event.id)
