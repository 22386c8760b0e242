"""Changing an order before it ships: address, payment method, or items swapped for other
variants of the same product (τ-bench's modify-pending-order actions)."""

from __future__ import annotations

from collections.abc import Sequence

from services.catalog.stock import stock_event
from services.coupons.redemption import discount_after_change
from services.kernel.actor import Actor
from services.orders.common import (
    expire_if_due,
    order_event,
    owned_method,
    owned_order,
    refund_destination,
)
from services.orders.context import OrderContext
from services.orders.errors import InvalidExchange, ItemNotInOrder, NothingToChange
from services.orders.models import Order, OrderLine
from services.orders.placing import sellable
from services.orders.pricing import address_snapshot, compute_totals, coupon_lines
from services.orders.schemas import ModifyOrderIn, OrderOut, SwapIn
from services.orders.state_machine import (
    OrderStatus,
    ensure_items_unchanged,
    ensure_modifiable,
)
from services.orders.views import load_view
from services.payments.allocation import net_paid
from services.payments.events import payment_event
from services.payments.models import LedgerEntry, Purpose
from services.payments.moves import Payer
from services.uow import ShopUnitOfWork
from services.users.errors import AddressNotFound


async def modify_order(
    ctx: OrderContext, actor: Actor, order_id: str, data: ModifyOrderIn
) -> OrderOut:
    """Apply the changes in one transaction; money moves only for a paid order."""
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        if await expire_if_due(uow, order):
            await uow.commit()
        ensure_modifiable(order.status, order_id=order.id)
        changes: list[str] = []
        async with ctx.mover.voided_on_error() as charges:
            if data.address_id is not None:
                await _change_address(uow, order, data.address_id)
                changes.append("address")
            if data.items is not None:
                ensure_items_unchanged(
                    order.items_modified,
                    locked=ctx.single_item_change,
                    order_id=order.id,
                    action="modified",
                )
                await _swap_items(ctx, uow, order, data.items, data.payment_method_id, charges)
                order.items_modified = True
                changes.append("items")
            elif data.payment_method_id is not None:
                await _change_payment(ctx, uow, order, data.payment_method_id, charges)
                changes.append("payment_method")
            order.updated_at = uow.clock.now()
            uow.emit(order_event("modified", order, changes=changes))
            await uow.orders.flush()
            view = await load_view(uow, order)
            await uow.commit()
    return view


async def _change_address(uow: ShopUnitOfWork, order: Order, address_id: str) -> None:
    address = await uow.users.get_address(order.user_id, address_id)
    if address is None:
        raise AddressNotFound("No such address.", details={"address_id": address_id})
    order.address_id = address.id
    order.shipping_address = address_snapshot(address)


async def _swap_items(
    ctx: OrderContext,
    uow: ShopUnitOfWork,
    order: Order,
    swaps: Sequence[SwapIn],
    method_id: str | None,
    charges: list[LedgerEntry],
) -> None:
    """Swap lines to other variants of their product, re-reserve stock, settle the difference."""
    targets = _lines_to_swap(order, swaps)
    found = await uow.catalog.variants_with_products([s.new_variant_id for s in swaps])
    old_total = order.total_minor
    released: dict[str, int] = {}
    reserved: dict[str, int] = {}
    for swap in swaps:
        variant, product = sellable(found, swap.new_variant_id)
        for line in targets[swap.variant_id]:
            if product.id != line.product_id or variant.currency != order.currency:
                raise InvalidExchange(
                    "Items can only be swapped for another variant of the same product.",
                    details={"variant_id": swap.variant_id, "new_variant_id": variant.id},
                )
            released[line.variant_id] = released.get(line.variant_id, 0) + line.quantity
            reserved[variant.id] = reserved.get(variant.id, 0) + line.quantity
            line.variant_id, line.options = variant.id, dict(variant.options)
            line.unit_price_minor = variant.price_minor
    await uow.stock.release(released)
    await uow.stock.reserve(reserved)
    for variant_id, quantity in released.items():
        uow.emit(stock_event(variant_id, "swapped_out", order.id, reserved=-quantity))
    for variant_id, quantity in reserved.items():
        uow.emit(stock_event(variant_id, "swapped_in", order.id, reserved=quantity))
    discount = await discount_after_change(
        uow.coupons, order.coupon_code, coupon_lines(order.lines)
    )
    totals = compute_totals(
        (line.total_minor for line in order.lines), discount, order.shipping_minor
    )
    order.subtotal_minor, order.discount_minor = totals.subtotal, totals.discount
    order.total_minor = totals.total
    if order.status == OrderStatus.PAID:
        await _settle(ctx, uow, order, totals.total - old_total, method_id, charges)


def _lines_to_swap(order: Order, swaps: Sequence[SwapIn]) -> dict[str, list[OrderLine]]:
    targets: dict[str, list[OrderLine]] = {}
    for swap in swaps:
        lines = [line for line in order.lines if line.variant_id == swap.variant_id]
        if not lines:
            raise ItemNotInOrder(
                f"Variant {swap.variant_id} is not in this order.",
                details={"variant_id": swap.variant_id},
            )
        if swap.variant_id in targets or swap.new_variant_id == swap.variant_id:
            raise InvalidExchange(
                "Each swap needs a distinct ordered variant and a different new variant.",
                details={"variant_id": swap.variant_id},
            )
        targets[swap.variant_id] = lines
    return targets


async def _settle(
    ctx: OrderContext,
    uow: ShopUnitOfWork,
    order: Order,
    difference: int,
    method_id: str | None,
    charges: list[LedgerEntry],
) -> None:
    """Charge a positive difference, refund a negative one."""
    if difference == 0:
        return
    payer = Payer(order.id, order.user_id, order.currency)
    key = f"{order.id}:v{order.version}:items"
    if difference > 0:
        method_ref = method_id or order.payment_method_id
        assert method_ref is not None
        method = await owned_method(uow, order.user_id, method_ref)
        entry = await ctx.mover.charge(
            uow, payer, method, difference, purpose=Purpose.ADJUSTMENT, operation_key=key
        )
        charges.append(entry)
        uow.emit(payment_event("captured", order.id, order.user_id, difference, order.currency))
        return
    destination = await refund_destination(uow, order, method_id)
    entries = await uow.payments.entries_for(order.id)
    await ctx.mover.refund(
        uow,
        payer,
        -difference,
        purpose=Purpose.ADJUSTMENT,
        operation_key=key,
        entries=entries,
        to_gift_card=destination,
    )
    uow.emit(payment_event("refunded", order.id, order.user_id, -difference, order.currency))


async def _change_payment(
    ctx: OrderContext,
    uow: ShopUnitOfWork,
    order: Order,
    method_id: str,
    charges: list[LedgerEntry],
) -> None:
    """A pending order just records the choice; a paid one is charged on the new method and
    refunded on the old."""
    method = await owned_method(uow, order.user_id, method_id)
    if method.id == order.payment_method_id:
        raise NothingToChange("The order already uses this payment method.")
    if order.status == OrderStatus.PAID:
        entries = await uow.payments.entries_for(order.id)
        amount = net_paid(entries)
        if amount > 0:
            payer = Payer(order.id, order.user_id, order.currency)
            key = f"{order.id}:v{order.version}:payment_change"
            entry = await ctx.mover.charge(
                uow, payer, method, amount, purpose=Purpose.PAYMENT_CHANGE, operation_key=key
            )
            charges.append(entry)
            await ctx.mover.refund(
                uow,
                payer,
                amount,
                purpose=Purpose.PAYMENT_CHANGE,
                operation_key=f"{key}:refund",
                entries=entries,
            )
            uow.emit(payment_event("captured", order.id, order.user_id, amount, order.currency))
            uow.emit(payment_event("refunded", order.id, order.user_id, amount, order.currency))
    order.payment_method_id = method.id
