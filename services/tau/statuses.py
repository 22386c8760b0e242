"""τ order statuses on our state machine, and back.

τ "pending" means paid and not shipped yet, which is our ``paid``; "pending (item modified)" is
the same status with the order's ``items_modified`` flag set.
"""

from __future__ import annotations

from services.orders.state_machine import OrderStatus

S = OrderStatus

PENDING = "pending"
ITEM_MODIFIED = "pending (item modified)"

TAU_STATUSES: dict[str, tuple[OrderStatus, bool]] = {
    PENDING: (S.PAID, False),
    ITEM_MODIFIED: (S.PAID, True),
    "processed": (S.SHIPPED, False),
    "delivered": (S.DELIVERED, False),
    "cancelled": (S.CANCELLED, False),
    "return requested": (S.RETURN_REQUESTED, False),
    "exchange requested": (S.EXCHANGE_REQUESTED, False),
}

_OURS: dict[tuple[OrderStatus, bool], str] = {ours: tau for tau, ours in TAU_STATUSES.items()}


def our_status(tau_status: str) -> tuple[OrderStatus, bool]:
    """Our status and ``items_modified`` flag for a τ status (ValueError if τ has no such)."""
    try:
        return TAU_STATUSES[tau_status]
    except KeyError:
        raise ValueError(f"unknown τ order status {tau_status!r}") from None


def tau_status(status: OrderStatus | str, items_modified: bool) -> str:
    """τ's name for our status; statuses τ does not have keep our name (e.g. ``returned``)."""
    ours = OrderStatus(status)
    modified = items_modified and ours == S.PAID
    return _OURS.get((ours, modified)) or _OURS.get((ours, False)) or ours.value
