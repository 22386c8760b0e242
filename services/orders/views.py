"""ORM rows to the schemas the API and the agent see."""

from __future__ import annotations

from collections.abc import Sequence

from services.kernel.money import MoneyOut
from services.orders.models import Order, OrderLine, ReturnRequest
from services.orders.schemas import OrderLineOut, OrderOut, ReturnLineOut, ReturnOut
from services.payments.allocation import net_paid
from services.payments.models import EntryKind, LedgerEntry
from services.payments.schemas import LedgerEntryOut
from services.uow import ShopUnitOfWork


def line_out(line: OrderLine, currency: str) -> OrderLineOut:
    """An order line."""
    return OrderLineOut(
        id=line.id,
        variant_id=line.variant_id,
        product_id=line.product_id,
        product_name=line.product_name,
        options=dict(line.options),
        unit_price=MoneyOut.of(line.unit_price_minor, currency),
        quantity=line.quantity,
        line_total=MoneyOut.of(line.total_minor, currency),
    )


def return_out(request: ReturnRequest) -> ReturnOut:
    """A return or exchange request."""
    money = request.currency
    return ReturnOut(
        id=request.id,
        order_id=request.order_id,
        kind=request.kind.value,
        status=request.status.value,
        payment_method_id=request.payment_method_id,
        amount=MoneyOut.of(request.amount_minor, money),
        reason=request.reason,
        lines=[
            ReturnLineOut(
                variant_id=line.variant_id,
                quantity=line.quantity,
                new_variant_id=line.new_variant_id,
                new_unit_price=None
                if line.new_unit_price_minor is None
                else MoneyOut.of(line.new_unit_price_minor, money),
            )
            for line in request.lines
        ],
        created_at=request.created_at,
        completed_at=request.completed_at,
    )


def order_out(
    order: Order, entries: Sequence[LedgerEntry], returns: Sequence[ReturnRequest]
) -> OrderOut:
    """An order with its ledger history and return requests."""
    cur = order.currency
    return OrderOut(
        id=order.id,
        user_id=order.user_id,
        status=order.status.value,
        lines=[line_out(line, cur) for line in order.lines],
        subtotal=MoneyOut.of(order.subtotal_minor, cur),
        discount=MoneyOut.of(order.discount_minor, cur),
        shipping=MoneyOut.of(order.shipping_minor, cur),
        total=MoneyOut.of(order.total_minor, cur),
        amount_paid=MoneyOut.of(net_paid(entries), cur),
        coupon=order.coupon_code,
        shipping_address=dict(order.shipping_address),
        payment_method_id=order.payment_method_id,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        tracking_id=order.tracking_id,
        items_modified=order.items_modified,
        payments=[LedgerEntryOut.of(e) for e in entries if e.kind == EntryKind.CHARGE],
        refunds=[LedgerEntryOut.of(e) for e in entries if e.kind == EntryKind.REFUND],
        returns=[return_out(request) for request in returns],
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


async def load_view(uow: ShopUnitOfWork, order: Order) -> OrderOut:
    """Read an order's ledger and returns in this unit of work and build its view."""
    entries = await uow.payments.entries_for(order.id)
    returns = (await uow.orders.returns_for([order.id]))[order.id]
    return order_out(order, entries, returns)


async def load_views(uow: ShopUnitOfWork, orders: Sequence[Order]) -> list[OrderOut]:
    """Views of several orders with two queries for their ledgers and returns."""
    ids = [order.id for order in orders]
    entries = await uow.payments.entries_for_orders(ids)
    returns = await uow.orders.returns_for(ids)
    return [order_out(order, entries[order.id], returns[order.id]) for order in orders]
