"""Domain events of the payments context."""

from __future__ import annotations

from typing import Any

from services.kernel.events import DomainEvent


def payment_event(
    kind: str, order_id: str, user_id: str, amount: int, currency: str, **extra: Any
) -> DomainEvent:
    """``payment.captured``, ``payment.refunded`` or ``payment.failed`` for an order."""
    payload = {
        "order_id": order_id,
        "user_id": user_id,
        "amount": amount,
        "currency": currency,
        **extra,
    }
    return DomainEvent(f"payment.{kind}", order_id, payload)
