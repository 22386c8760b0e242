"""Moving orders along: cancel (with refund), ship, deliver, expire, delete."""

from __future__ import annotations

from services.catalog.stock import stock_event
from services.kernel.actor import Actor
from services.orders.common import (
    any_order,
    expire_if_due,
    line_quantities,
    order_event,
    owned_order,
    release_holdings,
)
from services.orders.context import OrderContext
from services.orders.schemas import OrderOut
from services.orders.state_machine import (
    OrderStatus,
    ensure_finished,
    ensure_items_unchanged,
    ensure_transition,
)
from services.orders.views import load_view
from services.payments.allocation import net_paid
from services.payments.events import payment_event
from services.payments.models import Purpose
from services.payments.moves import Payer


async def cancel_order(ctx: OrderContext, actor: Actor, order_id: str, reason: str) -> OrderOut:
    """Cancel an unshipped order: stock and coupon come back, and a paid order is refunded to
    the way it was paid (gift cards at once)."""
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        if await expire_if_due(uow, order):
            await uow.commit()
        target = ensure_transition(order.status, OrderStatus.CANCELLED, order_id=order.id)
        ensure_items_unchanged(
            order.items_modified,
            locked=ctx.single_item_change,
            order_id=order.id,
            action="cancelled",
        )
        await release_holdings(uow, order, "cancelled")
        refunded = 0
        if order.status == OrderStatus.PAID:
            entries = await uow.payments.entries_for(order.id)
            refunded = net_paid(entries)
            if refunded > 0:
                payer = Payer(order.id, order.user_id, order.currency)
                await ctx.mover.refund(
                    uow,
                    payer,
                    refunded,
                    purpose=Purpose.CANCELLATION,
                    operation_key=f"{order.id}:cancel",
                    entries=entries,
                )
                uow.emit(
                    payment_event(
                        "refunded",
                        order.id,
                        order.user_id,
                        refunded,
                        order.currency,
                        purpose=Purpose.CANCELLATION.value,
                    )
                )
        now = uow.clock.now()
        order.status, order.cancelled_at, order.updated_at = target, now, now
        order.cancel_reason = reason or None
        uow.emit(order_event("cancelled", order, refunded=refunded, reason=reason))
        await uow.orders.flush()
        view = await load_view(uow, order)
        await uow.commit()
    return view


async def ship_order(ctx: OrderContext, actor: Actor, order_id: str, tracking_id: str) -> OrderOut:
    """Staff: the paid order leaves the warehouse; its reserved units stop being on hand."""
    actor.require_staff()
    async with ctx.uow() as uow:
        order = await any_order(uow, actor, order_id)
        target = ensure_transition(order.status, OrderStatus.SHIPPED, order_id=order.id)
        quantities = line_quantities(order)
        await uow.stock.commit_shipped(quantities)
        for variant_id, quantity in quantities.items():
            uow.emit(
                stock_event(variant_id, "shipped", order.id, on_hand=-quantity, reserved=-quantity)
            )
        now = uow.clock.now()
        order.status, order.shipped_at, order.updated_at = target, now, now
        order.tracking_id = tracking_id
        uow.emit(order_event("shipped", order, tracking_id=tracking_id))
        await uow.orders.flush()
        view = await load_view(uow, order)
        await uow.commit()
    return view


async def deliver_order(ctx: OrderContext, actor: Actor, order_id: str) -> OrderOut:
    """Staff: the carrier delivered the order."""
    actor.require_staff()
    async with ctx.uow() as uow:
        order = await any_order(uow, actor, order_id)
        target = ensure_transition(order.status, OrderStatus.DELIVERED, order_id=order.id)
        now = uow.clock.now()
        order.status, order.delivered_at, order.updated_at = target, now, now
        uow.emit(order_event("delivered", order))
        await uow.orders.flush()
        view = await load_view(uow, order)
        await uow.commit()
    return view


async def delete_order(ctx: OrderContext, actor: Actor, order_id: str) -> None:
    """Hide a finished order from the owner's list (the record stays for accounting)."""
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        if await expire_if_due(uow, order):
            await uow.commit()
        ensure_finished(order.status, order_id=order.id)
        order.deleted_at = uow.clock.now()
        await uow.commit()


async def expire_due(ctx: OrderContext, batch: int = 100) -> int:
    """Expire unpaid orders whose time ran out; returns how many. Each in its own transaction,
    so one failure does not hold back the rest and locks stay short."""
    async with ctx.uow() as uow:
        due = await uow.orders.due_for_expiry(uow.clock.now(), batch)
    expired = 0
    for order_id in due:
        async with ctx.uow() as uow:
            order = await uow.orders.get(order_id, for_update=True)
            if order is not None and await expire_if_due(uow, order):
                await uow.commit()
                expired += 1
    return expired
