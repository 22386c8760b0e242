"""Kafka transport (aiokafka): the relay's producer sink and the consumer-group loop.

Topics are ``<prefix>.<family>`` (``domtok.order``); records are keyed by aggregate id so one
aggregate's events land on one partition, in order. The producer waits for every record's
acknowledgement (``acks=all``, idempotent) before the relay marks the batch published.
Consumers commit offsets only after their handler finished, so a crash replays; handlers are
idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from opentelemetry import trace

from services.events.envelope import (
    BatchHandler,
    Envelope,
    UndecodableMessage,
    decode,
    encode,
    topic_for,
)
from services.kernel.metrics import CONSUMED_EVENTS

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 3) -> None:
    """Create the topics that do not exist yet (a broker may refuse to auto-create them)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(topics) - existing)
        if missing:
            new = [
                NewTopic(name, num_partitions=partitions, replication_factor=1) for name in missing
            ]
            # Another process may have created them first.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


class KafkaSink:
    """Publishes envelopes to Kafka and returns once every record is acknowledged."""

    def __init__(
        self,
        bootstrap: str,
        topic_prefix: str,
        *,
        partitions: int = 3,
        timeout: float = 15.0,
        client_id: str = "domtok-outbox-relay",
    ) -> None:
        self._bootstrap = bootstrap
        self._prefix = topic_prefix
        self._partitions = partitions
        self._timeout = timeout
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._topics: set[str] = set()

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        """Send ``envelopes`` in order; raise (and drop the producer) if any is not acked."""
        try:
            await asyncio.wait_for(self._send(envelopes), self._timeout)
        except BaseException:
            await self.close()
            raise

    async def _send(self, envelopes: Sequence[Envelope]) -> None:
        topics = {topic_for(self._prefix, e.event.type) for e in envelopes}
        if not topics <= self._topics:
            await ensure_topics(self._bootstrap, topics - self._topics, self._partitions)
            self._topics |= topics
        producer = await self._started()
        with _tracer.start_as_current_span("kafka.publish") as span:
            span.set_attribute("messaging.system", "kafka")
            span.set_attribute("messaging.batch.message_count", len(envelopes))
            acks = []
            for envelope in envelopes:
                key, value, headers = encode(envelope)
                topic = topic_for(self._prefix, envelope.event.type)
                acks.append(await producer.send(topic, value, key=key, headers=headers))
            await asyncio.gather(*acks)

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=True,
                request_timeout_ms=int(self._timeout * 1000),
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        """Stop the producer (a later send starts a new one)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except (TimeoutError, KafkaError) as error:
                log.debug("kafka producer stop: %s", error)


class KafkaConsumerLoop:
    """One consumer of a consumer group: fetch, handle, commit — until stopped.

    ``topics`` are exact names; ``pattern`` (a regex) follows topics created later. A failing
    handler is retried from the same offset after a backoff; records that are not DomTok
    events are logged and skipped.
    """

    def __init__(
        self,
        name: str,
        bootstrap: str,
        group_id: str,
        handler: BatchHandler,
        *,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        max_records: int = 200,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        if not topics and pattern is None:
            raise ValueError("give topics or a pattern")
        self.name = name
        self._bootstrap = bootstrap
        self.group_id = group_id
        self._handler = handler
        self._topics = list(topics)
        self._pattern = pattern
        self._max_records = max_records
        self._backoff = backoff
        self._max_backoff = max_backoff
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; reconnects (with backoff) when Kafka goes away."""
        failures = 0
        while not stop.is_set():
            consumer = self._consumer()
            try:
                await consumer.start()
                self._subscribe(consumer)
                failures = 0
                await self._consume(consumer, stop)
            except KafkaError as error:
                failures += 1
                delay = min(self._max_backoff, self._backoff * 2 ** min(failures, 10))
                log.warning("consumer %s: %s; reconnecting in %.1fs", self.name, error, delay)
                await _sleep(stop, delay)
            finally:
                await _quietly_stop(consumer)

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self.group_id,
            client_id=f"domtok-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Pattern subscriptions notice new topics at the next metadata refresh.
            metadata_max_age_ms=5000,
        )

    def _subscribe(self, consumer: AIOKafkaConsumer) -> None:
        if self._pattern is not None:
            consumer.subscribe(pattern=self._pattern)
        else:
            consumer.subscribe(self._topics)

    async def _consume(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
            if consumer.assignment():
                self.ready.set()
            failed = False
            for partition, records in batches.items():
                if not await self._process(consumer, partition, records):
                    # Not committed: fetch the same records again after a pause.
                    consumer.seek(partition, records[0].offset)
                    failed = True
            if not failed:
                failures = 0
                continue
            failures += 1
            await _sleep(stop, min(self._max_backoff, self._backoff * 2 ** min(failures, 10)))

    async def _process(
        self, consumer: AIOKafkaConsumer, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> bool:
        envelopes = []
        for record in records:
            try:
                envelopes.append(decode(record.value))
            except UndecodableMessage as error:
                CONSUMED_EVENTS.labels(consumer=self.name, outcome="undecodable").inc()
                log.error("consumer %s skips %s@%d: %s", self.name, partition, record.offset, error)
        with _tracer.start_as_current_span(f"kafka.consume {self.name}") as span:
            span.set_attribute("messaging.system", "kafka")
            span.set_attribute("messaging.destination.name", partition.topic)
            span.set_attribute("messaging.batch.message_count", len(records))
            try:
                if envelopes:
                    await self._handler(envelopes)
            except Exception:
                CONSUMED_EVENTS.labels(consumer=self.name, outcome="failed").inc(len(envelopes))
                log.exception("consumer %s failed on %s; will retry", self.name, partition)
                return False
        await consumer.commit({partition: records[-1].offset + 1})
        CONSUMED_EVENTS.labels(consumer=self.name, outcome="ok").inc(len(envelopes))
        return True


def topic_pattern(prefix: str) -> str:
    """The regex of every DomTok topic under ``prefix``."""
    return "^" + re.escape(prefix) + r"\..+"


async def _quietly_stop(consumer: AIOKafkaConsumer) -> None:
    try:
        await asyncio.wait_for(consumer.stop(), 10)
    except (TimeoutError, KafkaError) as error:
        log.debug("kafka consumer stop: %s", error)


async def _sleep(stop: asyncio.Event, delay: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
