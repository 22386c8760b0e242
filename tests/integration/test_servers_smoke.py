"""Each real server started by scripts/services/services.sh answers its Python client.

Run with the env from ``bash scripts/services/services.sh env``; a test whose URL variable is
unset skips and says which variable to set.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import aiokafka
import asyncpg
import elasticsearch
import pytest
import redis.asyncio as redis_asyncio
from elastic_transport import HttpxAsyncHttpNode

pytestmark = pytest.mark.integration


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.skip(f'{name} is not set; run `eval "$(bash scripts/services/services.sh env)"`')
    return value


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("variable", ["DOMTOK_DATABASE_URL", "DOMTOK_TEST_DATABASE_URL"])
async def test_postgres_answers_as_domtok_in_its_database(variable: str) -> None:
    url = _env(variable).replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(url, timeout=10)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_user") == "domtok"
        assert await conn.fetchval("SELECT current_database()") == url.rsplit("/", 1)[1]
    finally:
        await conn.close()


async def test_redis_answers_ping_and_round_trips_a_value() -> None:
    client = redis_asyncio.from_url(_env("DOMTOK_REDIS_URL"))
    key = _unique("domtok:smoke")
    try:
        assert await client.ping() is True
        assert await client.set(key, "hello", ex=60) is True
        assert await client.get(key) == b"hello"
    finally:
        await client.delete(key)
        await client.aclose()


async def test_kafka_delivers_a_message_to_a_consumer_group() -> None:
    bootstrap = _env("DOMTOK_KAFKA_BOOTSTRAP")
    topic, group = _unique("domtok-smoke"), _unique("domtok-smoke-group")

    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        # The broker creates the topic on first use (auto.create.topics.enable).
        sent = await producer.send_and_wait(topic, b"hello", key=b"order-1")
    finally:
        await producer.stop()

    consumer = aiokafka.AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=60)
        assert (message.key, message.value, message.offset) == (b"order-1", b"hello", sent.offset)
        await consumer.commit()
        partition = aiokafka.TopicPartition(topic, sent.partition)
        assert await consumer.committed(partition) == sent.offset + 1
    finally:
        await consumer.stop()


async def test_elasticsearch_indexes_and_searches_a_document() -> None:
    # httpx transport: the async client's default (aiohttp) is not a project dependency.
    client = elasticsearch.AsyncElasticsearch(
        _env("DOMTOK_ELASTICSEARCH_URL"), node_class=HttpxAsyncHttpNode, request_timeout=30
    )
    index = _unique("domtok-smoke")
    try:
        await client.indices.create(
            index=index,
            mappings={
                "properties": {
                    "title": {"type": "text"},
                    "sku": {"type": "keyword"},
                    "price_minor": {"type": "long"},
                }
            },
        )
        await client.index(
            index=index,
            id="sku-1",
            document={"title": "Red running shoes", "sku": "SKU-1", "price_minor": 5999},
            refresh="wait_for",
        )
        result = await client.search(
            index=index,
            query={
                "bool": {
                    "must": {"match": {"title": "shoes"}},
                    "filter": {"term": {"sku": "SKU-1"}},
                }
            },
        )
        hits = result["hits"]["hits"]
        assert [hit["_id"] for hit in hits] == ["sku-1"]
        assert hits[0]["_source"]["price_minor"] == 5999
    finally:
        await client.indices.delete(index=index, ignore_unavailable=True)
        await client.close()
