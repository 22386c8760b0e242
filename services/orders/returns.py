"""Returns and exchanges of delivered orders: requested by the owner, completed by staff.

A return refunds the items' price less their share of the order's discount, to the original
payment method or to a gift card the user names. An exchange swaps items for other variants
of the same product: the new units are reserved when it is requested, and the price
difference is charged or refunded when staff complete it.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.catalog.stock import stock_event
from services.kernel.actor import Actor
from services.kernel.ids import new_id
from services.orders.common import (
    any_order,
    order_event,
    owned_method,
    owned_order,
    refund_destination,
)
from services.orders.context import OrderContext
from services.orders.errors import (
    InvalidExchange,
    ItemNotInOrder,
    OrderNotFound,
    ReturnNotFound,
    TooManyRefundRequests,
)
from services.orders.models import (
    Order,
    OrderLine,
    ReturnKind,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from services.orders.placing import sellable
from services.orders.pricing import refund_for
from services.orders.schemas import ExchangeIn, OrderOut, ReturnIn, ReturnOut
from services.orders.state_machine import OrderStatus, ensure_transition
from services.orders.views import load_view, return_out
from services.payments.allocation import net_paid
from services.payments.errors import InsufficientFunds
from services.payments.events import payment_event
from services.payments.models import Purpose
from services.payments.moves import Payer
from services.uow import ShopUnitOfWork
from services.users.models import PaymentKind, PaymentMethod


async def request_return(
    ctx: OrderContext, actor: Actor, order_id: str, data: ReturnIn
) -> ReturnOut:
    """Ask to send items of a delivered order back for a refund."""
    await _limit(ctx, actor)
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        target = ensure_transition(order.status, OrderStatus.RETURN_REQUESTED, order_id=order.id)
        units = _units(order, [(item.variant_id, item.quantity) for item in data.items])
        destination = await refund_destination(uow, order, data.payment_method_id)
        entries = await uow.payments.entries_for(order.id)
        returned = sum(line.unit_price_minor * quantity for line, quantity in units)
        amount = refund_for(order.discount_minor, order.subtotal_minor, returned, net_paid(entries))
        request = _request(uow, order, ReturnKind.RETURN, destination, amount, data.reason)
        request.lines = [
            ReturnLine(
                id=new_id("rtl"),
                return_id=request.id,
                order_line_id=line.id,
                variant_id=line.variant_id,
                quantity=quantity,
            )
            for line, quantity in units
        ]
        uow.orders.add(request)
        order.status, order.updated_at = target, uow.clock.now()
        uow.emit(order_event("return_requested", order, return_id=request.id, refund=amount))
        await uow.commit()
    return return_out(request)


async def request_exchange(
    ctx: OrderContext, actor: Actor, order_id: str, data: ExchangeIn
) -> ReturnOut:
    """Ask to exchange items of a delivered order for other variants of the same product."""
    await _limit(ctx, actor)
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        target = ensure_transition(order.status, OrderStatus.EXCHANGE_REQUESTED, order_id=order.id)
        wanted = {item.variant_id: item.new_variant_id for item in data.items}
        units = _units(order, [(item.variant_id, item.quantity) for item in data.items])
        found = await uow.catalog.variants_with_products(list(wanted.values()))
        request_id = new_id("ret")
        lines: list[ReturnLine] = []
        reserve: dict[str, int] = {}
        difference = 0
        for line, quantity in units:
            variant, product = sellable(found, wanted[line.variant_id])
            same_product = product.id == line.product_id and variant.currency == order.currency
            if not same_product or variant.id == line.variant_id:
                raise InvalidExchange(
                    "Items can only be exchanged for a different variant of the same product.",
                    details={"variant_id": line.variant_id, "new_variant_id": variant.id},
                )
            difference += (variant.price_minor - line.unit_price_minor) * quantity
            reserve[variant.id] = reserve.get(variant.id, 0) + quantity
            lines.append(
                ReturnLine(
                    id=new_id("rtl"),
                    return_id=request_id,
                    order_line_id=line.id,
                    variant_id=line.variant_id,
                    quantity=quantity,
                    new_variant_id=variant.id,
                    new_unit_price_minor=variant.price_minor,
                )
            )
        method = await _difference_method(uow, order, data.payment_method_id, difference)
        await uow.stock.reserve(reserve)
        for variant_id, quantity in reserve.items():
            uow.emit(stock_event(variant_id, "exchange_reserved", order.id, reserved=quantity))
        request = _request(uow, order, ReturnKind.EXCHANGE, method, difference, data.reason)
        request.id = request_id
        request.lines = lines
        uow.orders.add(request)
        order.status, order.updated_at = target, uow.clock.now()
        uow.emit(order_event("exchange_requested", order, return_id=request.id))
        await uow.commit()
    return return_out(request)


async def complete_return(ctx: OrderContext, actor: Actor, return_id: str) -> OrderOut:
    """Staff: the items arrived back; restock them and refund (or settle the exchange)."""
    actor.require_staff()
    async with ctx.uow() as uow:
        request = await uow.orders.get_return(return_id)
        if request is None:
            raise ReturnNotFound("No such return.", details={"return_id": return_id})
        try:
            order = await any_order(uow, actor, request.order_id)
        except OrderNotFound:
            raise ReturnNotFound("No such return.", details={"return_id": return_id}) from None
        if request.kind == ReturnKind.RETURN:
            target = ensure_transition(order.status, OrderStatus.RETURNED, order_id=order.id)
        else:
            target = ensure_transition(order.status, OrderStatus.EXCHANGED, order_id=order.id)
        async with ctx.mover.voided_on_error() as charges:
            await _restock(uow, order, request)
            await _settle(ctx, uow, order, request, charges)
            now = uow.clock.now()
            request.status, request.completed_at = ReturnStatus.COMPLETED, now
            request.completed_by = actor.user_id
            order.status, order.updated_at = target, now
            uow.emit(order_event(target.value, order, return_id=request.id))
            await uow.orders.flush()
            view = await load_view(uow, order)
            await uow.commit()
    return view


async def _limit(ctx: OrderContext, actor: Actor) -> None:
    if not await ctx.refund_limiter.hit(f"refund-request:{actor.user_id}"):
        raise TooManyRefundRequests("Too many return or exchange requests; try again in a minute.")


def _units(order: Order, items: Sequence[tuple[str, int | None]]) -> list[tuple[OrderLine, int]]:
    """Order lines and units to take from each (all of a variant's units when no quantity)."""
    picked: list[tuple[OrderLine, int]] = []
    seen: set[str] = set()
    for variant_id, quantity in items:
        lines = [line for line in order.lines if line.variant_id == variant_id]
        have = sum(line.quantity for line in lines)
        if not lines or variant_id in seen or (quantity or have) > have:
            raise ItemNotInOrder(
                f"The order has {have} unit(s) of variant {variant_id} to return, once.",
                details={"variant_id": variant_id, "ordered": have, "requested": quantity},
            )
        seen.add(variant_id)
        rest = quantity or have
        for line in lines:
            take = min(line.quantity, rest)
            if take:
                picked.append((line, take))
                rest -= take
    return picked


def _request(
    uow: ShopUnitOfWork,
    order: Order,
    kind: ReturnKind,
    method: PaymentMethod | None,
    amount: int,
    reason: str,
) -> ReturnRequest:
    now = uow.clock.now()
    method_id = method.id if method is not None else order.payment_method_id
    return ReturnRequest(
        id=new_id("ret"),
        order_id=order.id,
        user_id=order.user_id,
        kind=kind,
        status=ReturnStatus.REQUESTED,
        payment_method_id=method_id or "",
        amount_minor=amount,
        currency=order.currency,
        reason=reason,
        created_at=now,
        updated_at=now,
    )


async def _difference_method(
    uow: ShopUnitOfWork, order: Order, method_id: str | None, difference: int
) -> PaymentMethod | None:
    """The method that settles an exchange: it must be able to pay a positive difference,
    and a refund goes only to the original method or a gift card. A method named by the
    shopper must be theirs even when there is nothing to settle."""
    if method_id is not None and difference >= 0:
        await owned_method(uow, order.user_id, method_id)
    if difference < 0:
        return await refund_destination(uow, order, method_id)
    method_ref = method_id or order.payment_method_id
    if difference == 0 or method_ref is None:
        return None
    method = await owned_method(uow, order.user_id, method_ref)
    if method.kind == PaymentKind.GIFT_CARD and method.gift_card_id is not None:
        card = await uow.users.get_gift_card(method.gift_card_id)
        if card is None or card.balance_minor < difference:
            raise InsufficientFunds(
                "The gift card balance does not cover the price difference.",
                details={"payment_method_id": method.id, "amount": difference},
            )
    return method


async def _restock(uow: ShopUnitOfWork, order: Order, request: ReturnRequest) -> None:
    """Returned units go back on the shelf; exchanged-in units leave it."""
    back: dict[str, int] = {}
    out: dict[str, int] = {}
    for line in request.lines:
        back[line.variant_id] = back.get(line.variant_id, 0) + line.quantity
        if line.new_variant_id is not None:
            out[line.new_variant_id] = out.get(line.new_variant_id, 0) + line.quantity
    await uow.stock.restock(back)
    for variant_id, quantity in back.items():
        uow.emit(stock_event(variant_id, "returned", order.id, on_hand=quantity))
    if out:
        await uow.stock.commit_shipped(out)
        for variant_id, quantity in out.items():
            uow.emit(
                stock_event(variant_id, "shipped", order.id, on_hand=-quantity, reserved=-quantity)
            )


async def _settle(
    ctx: OrderContext,
    uow: ShopUnitOfWork,
    order: Order,
    request: ReturnRequest,
    charges: list,  # type: ignore[type-arg]
) -> None:
    """Move the request's money: a refund, or an exchange's difference either way."""
    amount = request.amount_minor
    if amount == 0:
        return
    payer = Payer(order.id, order.user_id, order.currency)
    purpose = Purpose.RETURN if request.kind == ReturnKind.RETURN else Purpose.EXCHANGE
    if request.kind == ReturnKind.EXCHANGE and amount > 0:
        method = await owned_method(uow, order.user_id, request.payment_method_id)
        entry = await ctx.mover.charge(
            uow, payer, method, amount, purpose=purpose, operation_key=f"{request.id}:charge"
        )
        charges.append(entry)
        uow.emit(payment_event("captured", order.id, order.user_id, amount, order.currency))
        return
    refund = abs(amount)
    destination = await _still_valid_destination(uow, order, request.payment_method_id)
    await ctx.mover.refund(
        uow,
        payer,
        refund,
        purpose=purpose,
        operation_key=f"{request.id}:refund",
        entries=await uow.payments.entries_for(order.id),
        to_gift_card=destination,
    )
    uow.emit(payment_event("refunded", order.id, order.user_id, refund, order.currency))


async def _still_valid_destination(
    uow: ShopUnitOfWork, order: Order, method_id: str
) -> PaymentMethod | None:
    """The gift card named at request time, or the original method if it is gone since."""
    if not method_id or method_id == order.payment_method_id:
        return None
    method = await uow.users.get_payment_method(order.user_id, method_id)
    return method if method is not None and method.kind == PaymentKind.GIFT_CARD else None
