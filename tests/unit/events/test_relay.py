"""The outbox relay with a fake sink over an in-memory database: order, marking, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.events.envelope import Envelope
from services.events.relay import OutboxRelay, RelayLoop
from services.kernel.clock import FrozenClock
from services.kernel.db import Base
from services.kernel.events import DomainEvent, OutboxEvent
from services.kernel.uow import SqlUnitOfWork


class FakeSink:
    """Records batches; fails while ``down`` is set."""

    def __init__(self) -> None:
        self.batches: list[list[Envelope]] = []
        self.down = False

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        self.batches.append(list(envelopes))

    @property
    def events(self) -> list[DomainEvent]:
        return [envelope.event for batch in self.batches for envelope in batch]


@pytest.fixture
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all, tables=[OutboxEvent.__table__])
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _commit(sessions: async_sessionmaker[AsyncSession], *events: DomainEvent) -> None:
    uow = SqlUnitOfWork(sessions, clock=FrozenClock())
    async with uow:
        for event in events:
            uow.emit(event)
        await uow.commit()


def _relay(
    sessions: async_sessionmaker[AsyncSession], sink: FakeSink, batch: int = 100
) -> OutboxRelay:
    return OutboxRelay(sessions, sink, FrozenClock(), sink_name="fake", batch_size=batch)


async def _published(sessions: async_sessionmaker[AsyncSession]) -> list[bool]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
        return [row.published_at is not None for row in rows]


async def test_relay_sends_events_in_the_order_they_were_written_even_at_one_instant(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    events = [DomainEvent("order.modified", f"ord_{i % 2}", {"n": i}) for i in range(7)]
    await _commit(sessions, *events[:3])
    await _commit(sessions, *events[3:])
    sink = FakeSink()
    assert await _relay(sessions, sink).drain() == 7
    assert [event.id for event in sink.events] == [event.id for event in events]
    assert await _published(sessions) == [True] * 7


async def test_relay_works_in_batches_of_the_configured_size(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _commit(sessions, *[DomainEvent("stock.changed", "var_1", {"n": i}) for i in range(5)])
    sink = FakeSink()
    relay = _relay(sessions, sink, batch=2)
    assert await relay.relay_once() == 2
    assert await relay.pending() == 3
    assert await relay.drain() == 3
    assert [len(batch) for batch in sink.batches] == [2, 2, 1]


async def test_relay_leaves_events_unpublished_while_the_sink_fails(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _commit(sessions, DomainEvent("order.paid", "ord_1"), DomainEvent("order.paid", "ord_2"))
    sink = FakeSink()
    sink.down = True
    relay = _relay(sessions, sink)
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert await _published(sessions) == [False, False]
    sink.down = False
    assert await relay.drain() == 2
    assert await _published(sessions) == [True, True]


async def test_relay_with_nothing_to_send_sends_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sink = FakeSink()
    assert await _relay(sessions, sink).relay_once() == 0
    assert sink.batches == []


async def test_relay_loop_backs_off_while_failing_and_delivers_after_recovery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _commit(sessions, DomainEvent("order.created", "ord_1"))
    sink = FakeSink()
    sink.down = True
    loop = RelayLoop(_relay(sessions, sink), interval=0.01, max_backoff=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        while loop.failures < 3:
            await asyncio.sleep(0.01)
        assert sink.batches == []
        sink.down = False
        while not sink.batches:
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
    assert await _published(sessions) == [True]


async def test_relay_loop_wakes_up_early_when_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sink = FakeSink()
    loop = RelayLoop(_relay(sessions, sink), interval=60)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.sleep(0.05)  # first (empty) poll done; the next is a minute away
        await _commit(sessions, DomainEvent("order.created", "ord_1"))
        loop.wake()
        async with asyncio.timeout(30):
            while not sink.batches:
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
