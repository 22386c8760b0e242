"""Order tools. Reading is free; placing, cancelling and every change is a COMMIT the shopper
confirms (the summary shows the order, items and amounts first)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from services.kernel.pagination import Page, PageRequest
from services.orders.schemas import (
    ExchangeIn,
    ExchangeItemIn,
    Id,
    ModifyOrderIn,
    OrderOut,
    PlaceOrderIn,
    Reason,
    ReturnIn,
    ReturnItemIn,
    ReturnOut,
    SwapIn,
)
from services.orders.state_machine import OrderStatus
from tools.base import ShopContext, ShopRuntime, ShopTool, ToolKind, context_of, shop_tool
from tools.summaries import (
    address_line,
    address_of,
    method_label,
    order_brief,
    order_of,
    variant_text,
)

OrderId = Annotated[Id, Field(description="An order id (ord_...)")]
MethodId = Annotated[Id | None, Field(description="A saved payment method id (pm_...)")]


async def _summarize_place(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    data = PlaceOrderIn.model_validate(args)
    cart = await context.services.carts.view(context.actor)
    chosen = set(data.cart_variant_ids or [line.variant_id for line in cart.lines])
    address = await context.services.users.get_address(context.actor, data.address_id)
    coupon = data.coupon_code or ("best claimed coupon" if data.apply_best_coupon else None)
    return {
        "action": "Place an order from the cart (payment comes next)",
        "items": [
            {
                "product": line.product_name,
                "options": line.options,
                "quantity": line.quantity,
                "line_total": line.line_total.formatted,
            }
            for line in cart.lines
            if line.variant_id in chosen
        ],
        "cart_total": cart.total.formatted,
        "coupon": coupon,
        "ship_to": address_line(address),
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_place)
async def place_order(
    runtime: ShopRuntime,
    address_id: Annotated[Id, Field(description="A saved address id (adr_...)")],
    coupon_code: Annotated[str | None, Field(max_length=40)] = None,
    apply_best_coupon: bool = False,
    cart_variant_ids: Annotated[
        list[Id] | None, Field(max_length=50, description="Order only these cart lines")
    ] = None,
) -> OrderOut:
    """Place an order from the cart (all lines, or only cart_variant_ids), shipped to a saved
    address, optionally with a coupon code or the best claimed coupon. Stock is reserved and the
    order waits for payment. The shopper confirms before it is placed."""
    context = context_of(runtime)
    data = PlaceOrderIn(
        address_id=address_id,
        coupon_code=coupon_code,
        apply_best_coupon=apply_best_coupon,
        cart_variant_ids=cart_variant_ids,
    )
    return await context.services.orders.place(context.actor, data)


@shop_tool(ToolKind.READ)
async def list_orders(
    runtime: ShopRuntime,
    status: OrderStatus | None = None,
    page: Annotated[int, Field(ge=1, le=1000)] = 1,
) -> Page[OrderOut]:
    """The shopper's orders, newest first, optionally only those with one status."""
    context = context_of(runtime)
    paging = PageRequest(page=page, page_size=10)
    return await context.services.orders.list(context.actor, paging, status)


@shop_tool(ToolKind.READ)
async def get_order(runtime: ShopRuntime, order_id: OrderId) -> OrderOut:
    """One of the shopper's orders: status, items, totals, address, payments, refunds, returns."""
    context = context_of(runtime)
    return await context.services.orders.get(context.actor, order_id)


async def _summarize_cancel(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    return {"action": "Cancel the order (a paid amount is refunded)", **order_brief(order)}


@shop_tool(ToolKind.COMMIT, summarize=_summarize_cancel)
async def cancel_order(runtime: ShopRuntime, order_id: OrderId, reason: Reason = "") -> OrderOut:
    """Cancel an order that has not shipped; a paid order is refunded. The shopper confirms
    first."""
    context = context_of(runtime)
    return await context.services.orders.cancel(context.actor, order_id, reason)


async def _summarize_address(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    return {
        "action": "Change the order's shipping address",
        "order_id": order.id,
        "from": order.shipping_address,
        "to": await address_of(context, str(args["address_id"])),
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_address)
async def change_order_address(
    runtime: ShopRuntime, order_id: OrderId, address_id: Annotated[Id, Field(description="adr_...")]
) -> OrderOut:
    """Ship an order that has not shipped yet to another saved address. The shopper confirms
    first."""
    context = context_of(runtime)
    data = ModifyOrderIn(address_id=address_id)
    return await context.services.orders.modify(context.actor, order_id, data)


async def _summarize_method(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    return {
        "action": "Move the order's payment to another payment method",
        **order_brief(order),
        "payment_method": await method_label(context, str(args["payment_method_id"])),
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_method)
async def change_order_payment_method(
    runtime: ShopRuntime,
    order_id: OrderId,
    payment_method_id: Annotated[Id, Field(description="A saved payment method id (pm_...)")],
) -> OrderOut:
    """Move an unshipped order's payment to another saved payment method. The shopper confirms
    first."""
    context = context_of(runtime)
    data = ModifyOrderIn(payment_method_id=payment_method_id)
    return await context.services.orders.modify(context.actor, order_id, data)


async def _replacements(
    context: ShopContext, order: OrderOut, pairs: list[tuple[str, str, int | None]]
) -> list[dict[str, Any]]:
    names = {line.variant_id: line.product_name for line in order.lines}
    return [
        {
            "product": names.get(old, old),
            "from_variant": old,
            "to": await variant_text(context, new),
            "quantity": quantity or "all",
        }
        for old, new, quantity in pairs
    ]


async def _summarize_swap(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    swaps = [SwapIn.model_validate(item) for item in args["items"]]
    return {
        "action": "Swap items of the order for other variants (price difference settled)",
        **order_brief(order),
        "swaps": await _replacements(
            context, order, [(s.variant_id, s.new_variant_id, None) for s in swaps]
        ),
        "payment_method": await method_label(context, args.get("payment_method_id")),
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_swap)
async def swap_order_items(
    runtime: ShopRuntime,
    order_id: OrderId,
    items: Annotated[list[SwapIn], Field(min_length=1, max_length=50)],
    payment_method_id: MethodId = None,
) -> OrderOut:
    """Before shipping, replace items with other variants of the same product (e.g. another
    size); the price difference is charged to or refunded on payment_method_id. The shopper
    confirms first."""
    context = context_of(runtime)
    data = ModifyOrderIn(items=items, payment_method_id=payment_method_id)
    return await context.services.orders.modify(context.actor, order_id, data)


async def _summarize_return(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    items = [ReturnItemIn.model_validate(item) for item in args["items"]]
    names = {line.variant_id: line.product_name for line in order.lines}
    return {
        "action": "Request a return (refunded when the shop completes it)",
        **order_brief(order),
        "returning": [
            {
                "product": names.get(i.variant_id, i.variant_id),
                "variant_id": i.variant_id,
                "quantity": i.quantity or "all",
            }
            for i in items
        ],
        "refund_to": await method_label(context, args.get("payment_method_id"))
        or "the original payment method",
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_return)
async def request_return(
    runtime: ShopRuntime,
    order_id: OrderId,
    items: Annotated[list[ReturnItemIn], Field(min_length=1, max_length=50)],
    payment_method_id: MethodId = None,
    reason: Reason = "",
) -> ReturnOut:
    """Ask to return items of a delivered order; the refund goes to the original payment method
    or a gift card the shopper names. The shopper confirms first."""
    context = context_of(runtime)
    data = ReturnIn(items=items, payment_method_id=payment_method_id, reason=reason)
    return await context.services.orders.request_return(context.actor, order_id, data)


async def _summarize_exchange(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    items = [ExchangeItemIn.model_validate(item) for item in args["items"]]
    return {
        "action": "Request an exchange for other variants (difference settled on completion)",
        **order_brief(order),
        "exchanges": await _replacements(
            context, order, [(i.variant_id, i.new_variant_id, i.quantity) for i in items]
        ),
        "payment_method": await method_label(context, args.get("payment_method_id"))
        or "the original payment method",
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_exchange)
async def request_exchange(
    runtime: ShopRuntime,
    order_id: OrderId,
    items: Annotated[list[ExchangeItemIn], Field(min_length=1, max_length=50)],
    payment_method_id: MethodId = None,
    reason: Reason = "",
) -> ReturnOut:
    """Ask to exchange items of a delivered order for other variants of the same product. The
    shopper confirms first."""
    context = context_of(runtime)
    data = ExchangeIn(items=items, payment_method_id=payment_method_id, reason=reason)
    return await context.services.orders.request_exchange(context.actor, order_id, data)


TOOLS: tuple[ShopTool, ...] = (
    place_order,
    list_orders,
    get_order,
    cancel_order,
    change_order_address,
    change_order_payment_method,
    swap_order_items,
    request_return,
    request_exchange,
)
