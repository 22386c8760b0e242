"""The outbox relay: committed events go from the outbox table to a sink, in write order.

A batch is marked published only after the sink accepted all of it (Kafka acknowledged every
record), so a crash or an outage between the two re-sends the batch later: delivery is
at-least-once and consumers deduplicate. Nothing is lost while the sink is down; rows wait
and :class:`RelayLoop` retries with exponential backoff.

On PostgreSQL one transaction locks the batch (``FOR UPDATE SKIP LOCKED``) until it is marked,
under a transaction-scoped advisory lock so that of several relays (one per API process) one
works at a time and per-aggregate order holds. SQLite has one writer at a time and every
transaction takes the write lock, so there the batch is read, sent, and marked in separate short
transactions, never holding the lock while the sink works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from opentelemetry import trace
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.events.envelope import BatchHandler, Envelope
from services.kernel.clock import Clock
from services.kernel.events import OutboxEvent
from services.kernel.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED, OUTBOX_RELAY_FAILURES

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

# pg_try_advisory_xact_lock key: "domtok outbox relay".
RELAY_LOCK_KEY = 0x646F6D746F6B


class OutboxRelay:
    """Publishes unpublished outbox rows to ``sink`` and marks them published."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sink: BatchHandler,
        clock: Clock,
        *,
        sink_name: str,
        batch_size: int = 100,
    ) -> None:
        self._sessions = sessions
        self._sink = sink
        self._clock = clock
        self.sink_name = sink_name
        self._batch_size = batch_size

    async def relay_once(self) -> int:
        """Send one batch; returns how many events were published (0: nothing to do)."""
        with _tracer.start_as_current_span("outbox.relay") as span:
            span.set_attribute("messaging.destination.kind", self.sink_name)
            async with self._sessions() as session:
                locking = session.get_bind().dialect.name == "postgresql"
            sent = await (self._relay_locked() if locking else self._relay_unlocked())
            span.set_attribute("messaging.batch.message_count", sent)
        if sent:
            OUTBOX_PUBLISHED.labels(sink=self.sink_name).inc(sent)
        return sent

    async def drain(self) -> int:
        """Relay batches until the outbox is empty; returns the total published."""
        total = 0
        while sent := await self.relay_once():
            total += sent
        return total

    async def pending(self) -> int:
        """How many events wait to be published."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
            )
        OUTBOX_PENDING.set(int(count or 0))
        return int(count or 0)

    def _batch(self) -> Select[OutboxEvent]:
        return (
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.seq)
            .limit(self._batch_size)
        )

    async def _relay_locked(self) -> int:
        async with self._sessions() as session, session.begin():
            if not await session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_KEY))):
                return 0
            statement = self._batch().with_for_update(skip_locked=True)
            rows = list(await session.scalars(statement))
            if not rows:
                return 0
            await self._sink([Envelope.of(row) for row in rows])
            await self._mark(session, [row.seq for row in rows])
        return len(rows)

    async def _relay_unlocked(self) -> int:
        async with self._sessions() as session:
            rows = list(await session.scalars(self._batch()))
            envelopes = [Envelope.of(row) for row in rows]
            seqs = [row.seq for row in rows]
            await session.rollback()
        if not envelopes:
            return 0
        await self._sink(envelopes)
        async with self._sessions() as session:
            await self._mark(session, seqs)
            await session.commit()
        return len(seqs)

    async def _mark(self, session: AsyncSession, seqs: Sequence[int]) -> None:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.seq.in_(seqs), OutboxEvent.published_at.is_(None))
            .values(published_at=self._clock.now())
        )


class RelayLoop:
    """Runs a relay every ``interval`` seconds until stopped; backs off while the sink fails."""

    def __init__(
        self,
        relay: OutboxRelay,
        interval: float = 1.0,
        *,
        max_backoff: float = 30.0,
    ) -> None:
        self.relay = relay
        self._interval = interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self.failures = 0

    def wake(self) -> None:
        """Poll now instead of at the next interval (after a commit that wrote events)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set."""
        while not stop.is_set():
            delay = self._interval
            # Cleared before draining, so a wake() that arrives mid-drain triggers another poll.
            self._wake.clear()
            try:
                await self.relay.drain()
                self.failures = 0
            except Exception as error:
                self.failures += 1
                OUTBOX_RELAY_FAILURES.inc()
                delay = min(self._max_backoff, self._interval * 2 ** min(self.failures, 10))
                log.warning(
                    "outbox relay to %s failed (%s); %d attempt(s), retrying in %.1fs",
                    self.relay.sink_name,
                    error,
                    self.failures,
                    delay,
                )
            await self._sleep(stop, delay)

    async def _sleep(self, stop: asyncio.Event, delay: float) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()
