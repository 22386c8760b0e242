"""Payment tools: DomTok's two-step pay (a single-use token, then the payment, a COMMIT) and the
shopper's payment history."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from services.kernel.pagination import Page, PageRequest
from services.orders.schemas import Id, OrderOut
from services.payments.schemas import LedgerEntryOut, PayIn, PaymentTokenOut
from tools.base import ShopContext, ShopRuntime, ShopTool, ToolKind, context_of, shop_tool
from tools.summaries import method_label, order_brief, order_of

OrderId = Annotated[Id, Field(description="An order id (ord_...)")]


@shop_tool(ToolKind.CART)
async def get_payment_token(runtime: ShopRuntime, order_id: OrderId) -> PaymentTokenOut:
    """Prepare to pay an order waiting for payment: returns a single-use payment_token (valid
    15 minutes) for pay_order. Moves no money."""
    context = context_of(runtime)
    return await context.services.payments.issue_token(context.actor, order_id)


async def _summarize_pay(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    order = await order_of(context, args)
    return {
        "action": "Pay the order",
        **order_brief(order),
        "charge": order.total.formatted,
        "payment_method": await method_label(context, str(args["payment_method_id"])),
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_pay)
async def pay_order(
    runtime: ShopRuntime,
    order_id: OrderId,
    payment_method_id: Annotated[Id, Field(description="A saved payment method id (pm_...)")],
    payment_token: Annotated[str, Field(min_length=16, max_length=200)],
) -> OrderOut:
    """Pay an order's total with a saved payment method, using the payment_token from
    get_payment_token. The shopper confirms the charge first."""
    context = context_of(runtime)
    data = PayIn(payment_method_id=payment_method_id, payment_token=payment_token)
    return await context.services.payments.pay(context.actor, order_id, data)


@shop_tool(ToolKind.READ)
async def list_payments(
    runtime: ShopRuntime, page: Annotated[int, Field(ge=1, le=1000)] = 1
) -> Page[LedgerEntryOut]:
    """The shopper's charges and refunds, newest first."""
    context = context_of(runtime)
    return await context.services.payments.history(
        context.actor, PageRequest(page=page, page_size=20)
    )


TOOLS: tuple[ShopTool, ...] = (get_payment_token, pay_order, list_payments)
