"""The outbox relay and the consumer groups against a real Kafka broker: per-aggregate order,
nothing lost while Kafka is down (the fault test stops the broker mid-test), duplicates applied
once by the audit log, and the search indexer following catalog changes into Elasticsearch."""

from __future__ import annotations

import asyncio
import shutil
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from services.bootstrap import Container
from services.catalog.schemas import CategoryIn, ProductPatch
from services.catalog.search import SearchQuery, SearchUnavailable
from services.catalog.search_es import EsProductSearch
from services.events.audit import AuditEntry, AuditLog
from services.events.consumers import build_consumers
from services.events.envelope import Envelope, decode
from services.events.kafka import KafkaConsumerLoop, KafkaSink, topic_pattern
from services.events.relay import RelayLoop
from services.kernel.events import DomainEvent, OutboxEvent
from tests.integration.stack import (
    admin_actor,
    build,
    product,
    server_env,
    services,
    stack_settings,
    unique,
    variant,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from services.migrate import upgrade

    path = tmp_path_factory.mktemp("kafka-template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def kafka_container(tmp_path: Path, migrated: Path) -> AsyncIterator[Container]:
    """A container in Kafka mode with its own topics."""
    bootstrap = server_env("DOMTOK_KAFKA_BOOTSTRAP")
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    settings = stack_settings(
        database,
        kafka_bootstrap=bootstrap,
        kafka_topic_prefix=unique("t"),
        kafka_group_prefix=unique("g"),
    )
    container = build(settings)
    yield container
    await container.aclose()


async def _commit(container: Container, *events: DomainEvent) -> None:
    async with container.uow() as uow:
        for event in events:
            uow.emit(event)
        await uow.commit()


async def _read_topic(bootstrap: str, topic: str, count: int) -> list[Envelope]:
    """The first ``count`` events of ``topic``, read by a fresh consumer group."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=unique("reader"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Envelope] = []
    try:
        async with asyncio.timeout(90):
            while len(found) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        envelope = decode(record.value)
                        headers = dict(record.headers)
                        assert record.key == envelope.event.aggregate_id.encode()
                        assert headers["event_id"] == envelope.event.id.encode()
                        assert headers["event_type"] == envelope.event.type.encode()
                        found.append(envelope)
    finally:
        await consumer.stop()
    return found


def _by_aggregate(envelopes: list[Envelope]) -> dict[str, list[int]]:
    orders: dict[str, list[int]] = defaultdict(list)
    for envelope in envelopes:
        orders[envelope.event.aggregate_id].append(envelope.event.payload["n"])
    return dict(orders)


async def _unpublished(container: Container) -> int:
    async with container.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
    return int(count or 0)


def _order_events(aggregates: list[str], per_aggregate: int, start: int = 0) -> list[DomainEvent]:
    return [
        DomainEvent("order.modified", aggregate, {"n": n})
        for n in range(start, start + per_aggregate)
        for aggregate in aggregates
    ]


async def test_kafka_relay_publishes_outbox_events_in_per_aggregate_order(
    kafka_container: Container,
) -> None:
    aggregates = [unique("ord") for _ in range(4)]
    events = _order_events(aggregates, 5)
    for start in range(0, len(events), 3):  # several transactions, aggregates interleaved
        await _commit(kafka_container, *events[start : start + 3])
    assert await _unpublished(kafka_container) == len(events)

    assert await kafka_container.events.relay.drain() == len(events)

    assert await _unpublished(kafka_container) == 0
    settings = kafka_container.settings
    topic = f"{settings.kafka_topic_prefix}.order"
    received = await _read_topic(settings.kafka_bootstrap, topic, len(events))
    assert _by_aggregate(received) == {aggregate: [0, 1, 2, 3, 4] for aggregate in aggregates}
    assert {e.event.id for e in received} == {e.id for e in events}


async def test_kafka_down_mid_test_events_wait_then_all_publish_in_order(
    kafka_container: Container,
) -> None:
    settings = kafka_container.settings
    aggregates = [unique("ord") for _ in range(3)]
    loop = RelayLoop(kafka_container.events.relay, 0.2, max_backoff=2.0)
    stop = asyncio.Event()
    runner = asyncio.create_task(loop.run(stop))
    try:
        await _commit(kafka_container, *_order_events(aggregates, 2))
        await wait_for(lambda: _zero(_unpublished(kafka_container)))
        services("stop", "kafka")
        try:
            await _commit(kafka_container, *_order_events(aggregates, 3, start=2))
            await wait_for(lambda: _true(loop.failures >= 1), timeout=60)
            assert await _unpublished(kafka_container) == 9  # waiting, not lost
        finally:
            services("start", "kafka")
        await _commit(kafka_container, *_order_events(aggregates, 1, start=5))
        await wait_for(lambda: _zero(_unpublished(kafka_container)), timeout=120)
    finally:
        stop.set()
        await runner
    topic = f"{settings.kafka_topic_prefix}.order"
    received = await _read_topic(settings.kafka_bootstrap, topic, 18)
    # At-least-once: a batch in flight when the broker stopped may arrive twice, never out of
    # order and never missing.
    firsts = {aggregate: _dedupe(ns) for aggregate, ns in _by_aggregate(received).items()}
    assert firsts == {aggregate: [0, 1, 2, 3, 4, 5] for aggregate in aggregates}


def _dedupe(values: list[int]) -> list[int]:
    return list(dict.fromkeys(values))


async def _zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def _true(value: bool) -> bool:
    return value


async def test_kafka_duplicate_delivery_is_applied_once_by_the_audit_consumer(
    kafka_container: Container,
) -> None:
    settings = kafka_container.settings
    event = DomainEvent("order.paid", unique("ord"), {"n": 1})
    other = DomainEvent("order.shipped", event.aggregate_id, {"n": 2})
    await _commit(kafka_container, event, other)
    rows = await _outbox_rows(kafka_container)
    sink = KafkaSink(settings.kafka_bootstrap, settings.kafka_topic_prefix)
    try:
        # The relay sent the batch, then crashed before marking it: it is sent again.
        await sink(rows)
        await sink(rows)
    finally:
        await sink.close()
    audit = AuditLog(kafka_container.sessions, kafka_container.clock)
    consumer = KafkaConsumerLoop(
        "audit",
        settings.kafka_bootstrap,
        f"{settings.kafka_group_prefix}-audit",
        audit,
        pattern=topic_pattern(settings.kafka_topic_prefix),
    )
    stop = asyncio.Event()
    runner = asyncio.create_task(consumer.run(stop))
    try:
        await wait_for(lambda: _audit_count_is(kafka_container, 2), timeout=90)
        await asyncio.sleep(2)  # time for the duplicates to be consumed as well
    finally:
        stop.set()
        await runner
    entries = await audit.entries(event.aggregate_id)
    assert [(e.event_id, e.event_type) for e in entries] == [
        (event.id, "order.paid"),
        (other.id, "order.shipped"),
    ]


async def _outbox_rows(container: Container) -> list[Envelope]:
    async with container.sessions() as session:
        rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
        return [Envelope.of(row) for row in rows]


async def _audit_count_is(container: Container, expected: int) -> bool:
    async with container.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(AuditEntry))
    return int(count or 0) == expected


async def test_kafka_search_indexer_consumer_updates_elasticsearch_after_a_product_change(
    tmp_path: Path, migrated: Path
) -> None:
    kafka = server_env("DOMTOK_KAFKA_BOOTSTRAP")
    elasticsearch = server_env("DOMTOK_ELASTICSEARCH_URL")
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    settings = stack_settings(
        database,
        kafka_bootstrap=kafka,
        kafka_topic_prefix=unique("t"),
        kafka_group_prefix=unique("g"),
        elasticsearch_url=elasticsearch,
        elasticsearch_index=unique("kafka-products"),
        outbox_poll_seconds=0.2,
    )
    container = build(settings)
    assert container.search.client is not None
    stop = asyncio.Event()
    jobs: list[asyncio.Task[None]] = []
    try:
        actor = await admin_actor(container)
        bags = await container.catalog.create_category(actor, CategoryIn(name="Bags"))
        tote = await product(container, actor, bags.id, "Canvas tote", [variant({}, 1500)])
        await container.catalog.update_product(actor, tote.id, ProductPatch(name="Waxed tote"))
        # Kafka mode: nothing is delivered in-process, so the audit log is still empty.
        assert await _audit_count_is(container, 0)

        consumers = await build_consumers(
            settings, container.sessions, container.clock, container.search
        )
        assert sorted(c.name for c in consumers) == ["audit", "search-indexer"]
        jobs = [asyncio.create_task(container.events.loop.run(stop))]
        jobs += [asyncio.create_task(c.run(stop)) for c in consumers]

        # Asked of Elasticsearch itself: the container's search would fall back to SQL.
        engine = EsProductSearch(container.search.client, settings.elasticsearch_index)

        async def indexed(name: str) -> bool:
            try:
                page = await engine.search(SearchQuery(text=name))
            except SearchUnavailable:
                return False  # the indexer has not created the index yet
            return [item.name for item in page.items] == [name]

        await wait_for(lambda: indexed("Waxed tote"), timeout=90)
        await container.catalog.update_product(actor, tote.id, ProductPatch(name="Linen tote"))
        await wait_for(lambda: indexed("Linen tote"), timeout=60)
        # Every committed event reached the audit log exactly once.
        await wait_for(lambda: _audit_count_is(container, 4), timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*jobs)
        client = container.search.client
        assert client is not None
        alias = settings.elasticsearch_index
        indices = await client.indices.get(index=f"{alias}-*", allow_no_indices=True)
        if indices.body:
            await client.indices.delete(index=",".join(indices.body))
        await container.aclose()
