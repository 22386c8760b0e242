"""Who receives committed events, chosen by settings alone.

- Every mode: the in-process bus delivers each commit's events at once to in-process
  subscribers (metrics, and a nudge that wakes the relay).
- Embedded (no ``kafka_bootstrap``): the relay hands outbox batches to the durable consumers
  in this process — the audit log, and the search indexer when Elasticsearch is configured —
  then marks them published. A failing consumer leaves the batch in the outbox for a retry.
- Kafka: the relay publishes to Kafka; the same consumers run as consumer groups in
  ``domtok worker``. They are not on the in-process bus, so nothing reaches them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from services.events.audit import AuditLog
from services.events.envelope import BatchHandler, Envelope
from services.events.relay import OutboxRelay, RelayLoop
from services.kernel.clock import Clock
from services.kernel.events import DomainEvent, InProcessEventBus
from services.kernel.metrics import (
    ORDER_EVENTS,
    ORDERS_CREATED,
    ORDERS_PAID,
    PAYMENT_AMOUNT_MINOR,
    PAYMENTS,
)


class EventsConsumer(Protocol):
    """A consumer of plain domain events (the search indexer)."""

    async def handle_many(self, events: Sequence[DomainEvent]) -> None: ...


@dataclass
class LocalConsumers:
    """The embedded mode's sink: durable consumers called in this process, in order."""

    handlers: list[BatchHandler] = field(default_factory=list)

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        """Give the batch to every consumer; any failure fails the batch (it is retried)."""
        for handler in self.handlers:
            await handler(envelopes)


def events_handler(consumer: EventsConsumer) -> BatchHandler:
    """A batch handler that feeds the envelopes' events to ``consumer``."""

    async def handle(envelopes: Sequence[Envelope]) -> None:
        await consumer.handle_many([envelope.event for envelope in envelopes])

    return handle


@dataclass
class Events:
    """The process's event plumbing: the relay loop and what it closes on shutdown."""

    relay: OutboxRelay
    loop: RelayLoop
    closers: list[Any] = field(default_factory=list)

    async def aclose(self) -> None:
        """Stop the Kafka producer, if any."""
        for closer in self.closers:
            await closer()


def build_events(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    bus: InProcessEventBus,
    search_indexer: EventsConsumer | None,
) -> Events:
    """Wire the relay's sink and the in-process subscribers for ``settings``."""
    closers: list[Any] = []
    if settings.kafka_bootstrap:
        from services.events.kafka import KafkaSink

        sink = KafkaSink(
            settings.kafka_bootstrap,
            settings.kafka_topic_prefix,
            partitions=settings.kafka_partitions,
        )
        closers.append(sink.close)
        relay = OutboxRelay(
            sessions, sink, clock, sink_name="kafka", batch_size=settings.outbox_batch_size
        )
    else:
        local = LocalConsumers([AuditLog(sessions, clock)])
        if search_indexer is not None:
            local.handlers.append(events_handler(search_indexer))
        relay = OutboxRelay(
            sessions, local, clock, sink_name="in-process", batch_size=settings.outbox_batch_size
        )
    loop = RelayLoop(relay, settings.outbox_poll_seconds)

    async def wake(_event: DomainEvent) -> None:
        loop.wake()

    bus.subscribe("*", wake)
    bus.subscribe("*", count_event)
    return Events(relay=relay, loop=loop, closers=closers)


async def count_event(event: DomainEvent) -> None:
    """Business counters from committed events (rolled-back work is never counted)."""
    family, _, kind = event.type.partition(".")
    if family == "order":
        ORDER_EVENTS.labels(kind=kind).inc()
        if kind == "created":
            ORDERS_CREATED.inc()
        elif kind == "paid":
            ORDERS_PAID.inc()
    elif family == "payment":
        PAYMENTS.labels(kind=kind).inc()
        amount = event.payload.get("amount")
        currency = event.payload.get("currency")
        if isinstance(amount, int) and isinstance(currency, str) and amount > 0:
            PAYMENT_AMOUNT_MINOR.labels(kind=kind, currency=currency).inc(amount)
