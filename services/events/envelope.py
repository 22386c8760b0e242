"""An event as it travels: the domain event, when it was written, and its wire format.

On Kafka the key is the aggregate id (one aggregate, one partition, so its events stay in
order), the value is JSON, and the headers repeat the event id and type so consumers can route
or deduplicate without parsing the value.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.kernel.events import DomainEvent, OutboxEvent


@dataclass(frozen=True, slots=True)
class Envelope:
    """A committed event and the time its transaction wrote it."""

    event: DomainEvent
    created_at: datetime

    @classmethod
    def of(cls, row: OutboxEvent) -> Envelope:
        """The envelope of an outbox row."""
        return cls(row.to_event(), row.created_at)


# What a relay sink or a consumer does with a batch; raising means "not done, retry".
BatchHandler = Callable[[Sequence[Envelope]], Awaitable[None]]


class UndecodableMessage(ValueError):
    """A message that is not a DomTok event (it is skipped, not retried)."""


def topic_for(prefix: str, event_type: str) -> str:
    """``<prefix>.<family>``: ``domtok.order`` for ``order.paid``."""
    return f"{prefix}.{event_type.split('.', 1)[0]}"


def encode(envelope: Envelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the Kafka record of ``envelope``."""
    event = envelope.event
    value = {
        "id": event.id,
        "type": event.type,
        "aggregate_id": event.aggregate_id,
        "payload": event.payload,
        "created_at": envelope.created_at.isoformat(),
    }
    headers = [("event_id", event.id.encode()), ("event_type", event.type.encode())]
    body = json.dumps(value, separators=(",", ":"), default=str).encode()
    return event.aggregate_id.encode(), body, headers


def decode(value: bytes | None) -> Envelope:
    """The envelope in a Kafka record's value (raises :class:`UndecodableMessage`)."""
    try:
        data: dict[str, Any] = json.loads(value or b"")
        event = DomainEvent(
            type=str(data["type"]),
            aggregate_id=str(data["aggregate_id"]),
            payload=dict(data.get("payload") or {}),
            id=str(data["id"]),
        )
        return Envelope(event, datetime.fromisoformat(str(data["created_at"])))
    except (ValueError, KeyError, TypeError) as error:
        raise UndecodableMessage(str(error)) from error
