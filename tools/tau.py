"""τ-bench retail's 16 tools, with τ's names and arguments, over the τ support desk.

Each tool is one call of :class:`services.tau.desk.TauDesk`, which maps τ ids to ours and runs
our services as the customer. The desk comes with the run's context (``context.desk``); its
session says which customer the conversation serves. Writes are COMMIT tools: the customer
confirms the exact change (summarised here from read calls) before it runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from tools import tau_summaries as _s
from tools.base import ShopRuntime, ShopTool, ToolKind, shop_tool
from tools.tau_context import desk_of

Text = Annotated[str, Field(min_length=1, max_length=200)]
OrderId = Annotated[str, Field(min_length=1, max_length=40, description="e.g. '#W0000000'")]
UserId = Annotated[str, Field(min_length=1, max_length=80, description="e.g. 'sara_doe_496'")]
ItemIds = Annotated[list[str], Field(min_length=1, max_length=50, description="Item ids")]
MethodId = Annotated[
    str, Field(min_length=1, max_length=80, description="e.g. 'gift_card_0000000'")
]
Line2 = Annotated[str, Field(max_length=200, description="May be empty")]
State = Annotated[str, Field(max_length=100)]
Reason = Literal["no longer needed", "ordered by mistake"]


# lookups


@shop_tool(ToolKind.READ)
async def find_user_id_by_email(runtime: ShopRuntime, email: Text) -> str:
    """Find a customer's user id by email. Authenticates the customer for this conversation."""
    return await desk_of(runtime).find_user_id_by_email(email)


@shop_tool(ToolKind.READ)
async def find_user_id_by_name_zip(
    runtime: ShopRuntime, first_name: Text, last_name: Text, zip: Text
) -> str:
    """Find a customer's user id by first name, last name and zip code. Authenticates the
    customer for this conversation."""
    return await desk_of(runtime).find_user_id_by_name_zip(first_name, last_name, zip)


@shop_tool(ToolKind.READ)
async def get_user_details(runtime: ShopRuntime, user_id: UserId) -> dict[str, Any]:
    """The customer's profile: name, default address, email, payment methods (with gift card
    balances) and order ids."""
    return await desk_of(runtime).get_user_details(user_id)


@shop_tool(ToolKind.READ)
async def get_order_details(runtime: ShopRuntime, order_id: OrderId) -> dict[str, Any]:
    """An order: address, items (item ids, options, prices), status, fulfilments, payment
    history, and any cancellation, return or exchange details."""
    return await desk_of(runtime).get_order_details(order_id)


@shop_tool(ToolKind.READ)
async def get_product_details(
    runtime: ShopRuntime,
    product_id: Annotated[str, Field(min_length=1, max_length=40, description="A product id")],
) -> dict[str, Any]:
    """A product type and all its items: item id, options, availability and price. Product ids
    and item ids are different things."""
    return await desk_of(runtime).get_product_details(product_id)


@shop_tool(ToolKind.READ)
async def get_item_details(
    runtime: ShopRuntime,
    item_id: Annotated[str, Field(min_length=1, max_length=40, description="An item id")],
) -> dict[str, Any]:
    """One item: its options, whether it is available, and its price."""
    return await desk_of(runtime).get_item_details(item_id)


@shop_tool(ToolKind.READ)
async def list_all_product_types(runtime: ShopRuntime) -> dict[str, str]:
    """Every product type in the store: name -> product id."""
    return await desk_of(runtime).list_all_product_types()


@shop_tool(ToolKind.READ)
async def calculate(
    runtime: ShopRuntime,
    expression: Annotated[str, Field(min_length=1, max_length=500, description="e.g. '2 * 3'")],
) -> str:
    """Calculate an arithmetic expression of numbers, + - * / and parentheses (2 decimals)."""
    return await desk_of(runtime).calculate(expression)


@shop_tool(ToolKind.READ)
async def transfer_to_human_agents(
    runtime: ShopRuntime,
    summary: Annotated[str, Field(min_length=1, max_length=500)],
) -> str:
    """Transfer the customer to a human agent, with a summary of their issue. Only when the
    request cannot be handled with the other tools."""
    return await desk_of(runtime).transfer_to_human_agents(summary)


# writes: the customer confirms each one (summaries in tools.tau_summaries)


@shop_tool(ToolKind.COMMIT, summarize=_s.cancel)
async def cancel_pending_order(
    runtime: ShopRuntime, order_id: OrderId, reason: Reason
) -> dict[str, Any]:
    """Cancel a pending order, for reason 'no longer needed' or 'ordered by mistake'. Gift card
    payments are refunded at once, others in 5-7 business days."""
    return await desk_of(runtime).cancel_pending_order(order_id, reason)


@shop_tool(ToolKind.COMMIT, summarize=_s.order_address)
async def modify_pending_order_address(
    runtime: ShopRuntime,
    order_id: OrderId,
    address1: Text,
    address2: Line2,
    city: Text,
    state: State,
    country: Text,
    zip: Text,
) -> dict[str, Any]:
    """Change the shipping address of a pending order."""
    desk = desk_of(runtime)
    return await desk.modify_pending_order_address(
        order_id, address1, address2, city, state, country, zip
    )


@shop_tool(ToolKind.COMMIT, summarize=_s.order_items)
async def modify_pending_order_items(
    runtime: ShopRuntime,
    order_id: OrderId,
    item_ids: ItemIds,
    new_item_ids: ItemIds,
    payment_method_id: MethodId,
) -> dict[str, Any]:
    """Swap items of a pending order for available items of the same products (new_item_ids[i]
    replaces item_ids[i]); the price difference is paid with or refunded to payment_method_id.
    Can be done once per order: collect every change first."""
    desk = desk_of(runtime)
    return await desk.modify_pending_order_items(
        order_id, item_ids, new_item_ids, payment_method_id
    )


@shop_tool(ToolKind.COMMIT, summarize=_s.order_payment)
async def modify_pending_order_payment(
    runtime: ShopRuntime, order_id: OrderId, payment_method_id: MethodId
) -> dict[str, Any]:
    """Pay a pending order with another of the customer's payment methods instead; the first
    one is refunded."""
    return await desk_of(runtime).modify_pending_order_payment(order_id, payment_method_id)


@shop_tool(ToolKind.COMMIT, summarize=_s.user_address)
async def modify_user_address(
    runtime: ShopRuntime,
    user_id: UserId,
    address1: Text,
    address2: Line2,
    city: Text,
    state: State,
    country: Text,
    zip: Text,
) -> dict[str, Any]:
    """Change the customer's default address."""
    desk = desk_of(runtime)
    return await desk.modify_user_address(user_id, address1, address2, city, state, country, zip)


@shop_tool(ToolKind.COMMIT, summarize=_s.order_return)
async def return_delivered_order_items(
    runtime: ShopRuntime, order_id: OrderId, item_ids: ItemIds, payment_method_id: MethodId
) -> dict[str, Any]:
    """Request a return of items of a delivered order; the refund goes to payment_method_id,
    which must be the original payment method or a gift card."""
    desk = desk_of(runtime)
    return await desk.return_delivered_order_items(order_id, item_ids, payment_method_id)


@shop_tool(ToolKind.COMMIT, summarize=_s.order_exchange)
async def exchange_delivered_order_items(
    runtime: ShopRuntime,
    order_id: OrderId,
    item_ids: ItemIds,
    new_item_ids: ItemIds,
    payment_method_id: MethodId,
) -> dict[str, Any]:
    """Request an exchange of items of a delivered order for available items of the same
    products (new_item_ids[i] replaces item_ids[i]); payment_method_id pays or receives the
    price difference. Can be done once per order: collect every item first."""
    desk = desk_of(runtime)
    return await desk.exchange_delivered_order_items(
        order_id, item_ids, new_item_ids, payment_method_id
    )


TAU_TOOLS: tuple[ShopTool, ...] = (
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_user_details,
    get_order_details,
    get_product_details,
    get_item_details,
    list_all_product_types,
    cancel_pending_order,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
    exchange_delivered_order_items,
    calculate,
    transfer_to_human_agents,
)

TAU_TOOLS_BY_NAME: dict[str, ShopTool] = {tool.name: tool for tool in TAU_TOOLS}
