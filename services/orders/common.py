"""Steps shared by the order use cases: ownership, lazy expiry, releasing what an order holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.catalog.stock import stock_event
from services.coupons.redemption import give_back
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.orders.errors import OrderNotFound, RefundMethodNotAllowed
from services.orders.models import Order
from services.orders.state_machine import HOLDS_STOCK, OrderStatus, ensure_transition
from services.uow import ShopUnitOfWork
from services.users.errors import PaymentMethodNotFound
from services.users.models import PaymentKind, PaymentMethod


def order_event(kind: str, order: Order, **extra: Any) -> DomainEvent:
    """``order.<kind>`` with the order's essentials."""
    payload = {
        "order_id": order.id,
        "user_id": order.user_id,
        "status": order.status.value,
        "total": order.total_minor,
        "currency": order.currency,
        **extra,
    }
    return DomainEvent(f"order.{kind}", order.id, payload)


def line_quantities(order: Order) -> dict[str, int]:
    """Units per variant on the order."""
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    return quantities


async def owned_order(
    uow: ShopUnitOfWork, actor: Actor, order_id: str, *, for_update: bool = True
) -> Order:
    """The actor's live order; anyone else's, or a deleted one, is 404."""
    order = await uow.orders.get(order_id, for_update=for_update)
    if order is None or order.user_id != actor.user_id or order.deleted_at is not None:
        raise OrderNotFound("No such order.", details={"order_id": order_id})
    return order


async def any_order(uow: ShopUnitOfWork, actor: Actor, order_id: str) -> Order:
    """An order for staff work (locked for the rest of the transaction).

    Admins reach every order; a merchant only orders whose every line is one of their own
    products, so one shop cannot ship, deliver or settle another shop's order (404, as for
    another user's order). Orders mixing shops are fulfilled by an admin.
    """
    actor.require_staff()
    order = await uow.orders.get(order_id, for_update=True)
    if order is None or not (
        actor.is_admin or await uow.orders.sold_only_by(order.id, actor.user_id)
    ):
        raise OrderNotFound("No such order.", details={"order_id": order_id})
    return order


def is_due(order: Order, now: datetime) -> bool:
    """An unpaid order whose payment window has closed."""
    return (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.expires_at is not None
        and order.expires_at <= now
    )


async def expire_if_due(uow: ShopUnitOfWork, order: Order) -> bool:
    """Expire the order now if its time ran out (whether or not the sweeper got to it yet)."""
    now = uow.clock.now()
    if not is_due(order, now):
        return False
    await release_holdings(uow, order, "expired")
    order.status = ensure_transition(order.status, OrderStatus.EXPIRED, order_id=order.id)
    order.updated_at = now
    uow.emit(order_event("expired", order))
    return True


async def release_holdings(uow: ShopUnitOfWork, order: Order, reason: str) -> None:
    """Give back the stock an order still holds and the coupon use it spent."""
    if order.status in HOLDS_STOCK:
        quantities = line_quantities(order)
        await uow.stock.release(quantities)
        for variant_id, quantity in quantities.items():
            uow.emit(stock_event(variant_id, reason, order.id, reserved=-quantity))
    await give_back(uow.coupons, order.user_coupon_id)


async def owned_method(uow: ShopUnitOfWork, user_id: str, method_id: str) -> PaymentMethod:
    """The user's active payment method, or 404."""
    method = await uow.users.get_payment_method(user_id, method_id)
    if method is None:
        raise PaymentMethodNotFound(
            "No such payment method.", details={"payment_method_id": method_id}
        )
    return method


async def refund_destination(
    uow: ShopUnitOfWork, order: Order, method_id: str | None
) -> PaymentMethod | None:
    """Where a refund goes: None for the original method, or a gift card the user named."""
    if method_id is None or method_id == order.payment_method_id:
        return None
    method = await owned_method(uow, order.user_id, method_id)
    if method.kind != PaymentKind.GIFT_CARD:
        raise RefundMethodNotAllowed(
            "Refunds go to the original payment method or to one of your gift cards.",
            details={"payment_method_id": method_id},
        )
    return method
