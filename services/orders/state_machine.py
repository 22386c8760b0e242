"""The order state machine: the one place that says which status may follow which.

    pending_payment ─┬─> paid ─┬─> shipped ──> delivered ─┬─> return_requested ──> returned
                     │         └─> cancelled (refunded)    └─> exchange_requested ──> exchanged
                     ├─> cancelled
                     └─> expired

The API, the worker and the agent's tools all change status through :func:`ensure_transition`,
so an illegal step is refused the same way everywhere (409 ``invalid_transition``).
"""

from __future__ import annotations

import enum

from services.orders.errors import InvalidOrderTransition, ItemsAlreadyModified


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"
    EXCHANGE_REQUESTED = "exchange_requested"
    EXCHANGED = "exchanged"


S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.RETURN_REQUESTED, S.EXCHANGE_REQUESTED}),
    S.RETURN_REQUESTED: frozenset({S.RETURNED}),
    S.EXCHANGE_REQUESTED: frozenset({S.EXCHANGED}),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.RETURNED: frozenset(),
    S.EXCHANGED: frozenset(),
}

# Before shipping the owner may still change address, payment method and items.
MODIFIABLE: frozenset[OrderStatus] = frozenset({S.PENDING_PAYMENT, S.PAID})

# Orders whose life is over; only these may be (soft) deleted by their owner.
FINISHED: frozenset[OrderStatus] = frozenset(
    {S.DELIVERED, S.CANCELLED, S.EXPIRED, S.RETURNED, S.EXCHANGED}
)

# Statuses in which units are still reserved for the order (released on cancel/expiry).
HOLDS_STOCK: frozenset[OrderStatus] = frozenset({S.PENDING_PAYMENT, S.PAID})


def can_transition(current: OrderStatus | str, target: OrderStatus | str) -> bool:
    """True when ``target`` may follow ``current``."""
    return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]


def sources_of(target: OrderStatus) -> list[str]:
    """The statuses from which ``target`` can be reached, sorted."""
    return sorted(status.value for status, nexts in TRANSITIONS.items() if target in nexts)


def ensure_transition(
    current: OrderStatus | str, target: OrderStatus | str, *, order_id: str = ""
) -> OrderStatus:
    """Return ``target`` as a status, or raise :class:`InvalidOrderTransition` (409)."""
    current, target = OrderStatus(current), OrderStatus(target)
    if target in TRANSITIONS[current]:
        return target
    allowed = sources_of(target)
    raise InvalidOrderTransition(
        f"The order is {current.value}; it cannot become {target.value} "
        f"(only from: {', '.join(allowed) or 'nowhere'}).",
        details={
            "order_id": order_id,
            "status": current.value,
            "target": target.value,
            "allowed_from": allowed,
        },
    )


def ensure_modifiable(current: OrderStatus | str, *, order_id: str = "", what: str = "") -> None:
    """Refuse changes (address, payment method, items) once the order has left the warehouse."""
    status = OrderStatus(current)
    if status not in MODIFIABLE:
        raise InvalidOrderTransition(
            f"The order is {status.value}; {what or 'it'} can only be changed before shipping "
            f"(pending_payment or paid).",
            details={
                "order_id": order_id,
                "status": status.value,
                "allowed_from": sorted(MODIFIABLE),
            },
        )


def ensure_items_unchanged(
    items_modified: bool, *, locked: bool, order_id: str = "", action: str = "changed"
) -> None:
    """Under the single-item-change policy (``locked``), refuse ``action`` on an order whose
    items were already swapped once."""
    if locked and items_modified:
        raise ItemsAlreadyModified(
            f"The order's items were already modified once; it cannot be {action} any more.",
            details={"order_id": order_id, "items_modified": True},
        )


def ensure_finished(current: OrderStatus | str, *, order_id: str = "") -> None:
    """Refuse deleting an order that is still in progress."""
    status = OrderStatus(current)
    if status not in FINISHED:
        raise InvalidOrderTransition(
            f"The order is {status.value}; only finished orders can be deleted.",
            details={
                "order_id": order_id,
                "status": status.value,
                "allowed_from": sorted(FINISHED),
            },
        )
