"""The Kafka consumer groups of ``domtok worker``: the audit log and the search indexer."""

from __future__ import annotations

import logging

from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from services.catalog.search_indexer import INDEXED_FAMILIES
from services.catalog.search_wiring import SearchParts
from services.events.audit import AuditLog
from services.events.kafka import KafkaConsumerLoop, ensure_topics, topic_pattern
from services.events.wiring import events_handler
from services.kernel.clock import Clock

log = logging.getLogger(__name__)


def search_topics(settings: Settings) -> list[str]:
    """The topics the search indexer reads."""
    return [f"{settings.kafka_topic_prefix}.{family}" for family in INDEXED_FAMILIES]


async def build_consumers(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    search: SearchParts,
) -> list[KafkaConsumerLoop]:
    """One loop per consumer group; creates the topics they read by name."""
    bootstrap = settings.kafka_bootstrap
    group = settings.kafka_group_prefix
    consumers = [
        KafkaConsumerLoop(
            "audit",
            bootstrap,
            f"{group}-audit",
            AuditLog(sessions, clock),
            pattern=topic_pattern(settings.kafka_topic_prefix),
        )
    ]
    if search.indexer is not None:
        topics = search_topics(settings)
        try:
            await ensure_topics(bootstrap, topics, settings.kafka_partitions)
        except KafkaError as error:
            # The consumer waits for its topics; the relay creates them once Kafka answers.
            log.warning("could not create topics %s yet: %s", topics, error)
        consumers.append(
            KafkaConsumerLoop(
                "search-indexer",
                bootstrap,
                f"{group}-search-indexer",
                events_handler(search.indexer),
                topics=topics,
            )
        )
    return consumers
