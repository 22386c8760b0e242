"""Which consumers receive committed events in each mode, the wire format, and the counters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.bootstrap import bootstrap
from services.events.envelope import Envelope, UndecodableMessage, decode, encode, topic_for
from services.events.wiring import LocalConsumers, count_event
from services.kernel.events import DomainEvent
from services.kernel.metrics import ORDERS_CREATED, PAYMENTS
from tests.conftest import make_settings


def _handlers(bus: object) -> list[str]:
    registered = bus._handlers  # type: ignore[attr-defined]
    return sorted(handler.__name__ for handlers in registered.values() for handler in handlers)


async def test_embedded_mode_feeds_the_audit_log_through_the_relay(tmp_path: Path) -> None:
    container = bootstrap(make_settings(tmp_path))
    try:
        assert container.events.relay.sink_name == "in-process"
        sink = container.events.relay._sink  # noqa: SLF001
        assert isinstance(sink, LocalConsumers)
        assert [type(h).__name__ for h in sink.handlers] == ["AuditLog"]
        # The metrics counter, the in-process catalog cache's invalidation and the relay's nudge.
        assert _handlers(container.bus) == ["count_event", "on_event", "wake"]
    finally:
        await container.aclose()


async def test_kafka_mode_keeps_kafka_fed_consumers_off_the_in_process_bus(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, kafka_bootstrap="127.0.0.1:1", elasticsearch_url="http://127.0.0.1:1"
    )
    container = bootstrap(settings)
    try:
        assert container.events.relay.sink_name == "kafka"
        assert container.search.indexer is not None
        # Only the metrics counter, this process's catalog cache and the relay's nudge: the audit
        # log and the indexer are consumer groups in `domtok worker`, so the bus never delivers
        # to them as well.
        assert _handlers(container.bus) == ["count_event", "on_event", "wake"]
    finally:
        await container.aclose()


async def test_local_consumers_fail_the_batch_when_any_consumer_fails() -> None:
    seen: list[int] = []

    async def first(envelopes: object) -> None:
        seen.append(1)

    async def broken(envelopes: object) -> None:
        raise RuntimeError("index down")

    with pytest.raises(RuntimeError):
        await LocalConsumers([first, broken])([])
    assert seen == [1]


def test_envelopes_round_trip_through_the_wire_format() -> None:
    event = DomainEvent("order.paid", "ord_1", {"total": 1999, "currency": "USD"})
    envelope = Envelope(event, datetime(2026, 1, 1, tzinfo=UTC))
    key, value, headers = encode(envelope)
    assert key == b"ord_1"
    assert dict(headers) == {"event_id": event.id.encode(), "event_type": b"order.paid"}
    assert decode(value) == envelope
    assert topic_for("shop", "order.paid") == "shop.order"


@pytest.mark.parametrize("value", [None, b"", b"not json", b'{"type": "x"}'])
def test_foreign_messages_are_undecodable(value: bytes | None) -> None:
    with pytest.raises(UndecodableMessage):
        decode(value)


async def test_committed_order_and_payment_events_are_counted() -> None:
    created = ORDERS_CREATED._value.get()  # type: ignore[attr-defined]
    refunds = PAYMENTS.labels(kind="refunded")._value.get()  # type: ignore[attr-defined]
    await count_event(DomainEvent("order.created", "ord_1"))
    await count_event(DomainEvent("payment.refunded", "ord_1", {"amount": 5, "currency": "USD"}))
    await count_event(DomainEvent("product.updated", "prd_1"))
    assert ORDERS_CREATED._value.get() == created + 1  # type: ignore[attr-defined]
    assert PAYMENTS.labels(kind="refunded")._value.get() == refunds + 1  # type: ignore[attr-defined]
