"""Cart tools: view the cart, add, change quantity, remove, clear (CART class: no confirmation)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.carts.schemas import CartOut, Quantity
from tools.base import ShopRuntime, ShopTool, ToolKind, context_of, shop_tool

VariantId = Annotated[
    str, Field(min_length=1, max_length=40, description="A variant id (var_...) from get_product")
]


@shop_tool(ToolKind.READ)
async def view_cart(runtime: ShopRuntime) -> CartOut:
    """The shopper's cart: lines with current prices, line totals, the cart total, and flags for
    lines that are no longer sold or short of stock."""
    context = context_of(runtime)
    return await context.services.carts.view(context.actor)


@shop_tool(ToolKind.CART)
async def add_to_cart(
    runtime: ShopRuntime, variant_id: VariantId, quantity: Quantity = 1
) -> CartOut:
    """Put a variant in the cart (adds to its line if it is already there). Returns the cart."""
    context = context_of(runtime)
    return await context.services.carts.add_item(context.actor, variant_id, quantity)


@shop_tool(ToolKind.CART)
async def set_cart_quantity(
    runtime: ShopRuntime, variant_id: VariantId, quantity: Quantity
) -> CartOut:
    """Change the quantity of a cart line (1-99). Returns the cart."""
    context = context_of(runtime)
    return await context.services.carts.set_quantity(context.actor, variant_id, quantity)


@shop_tool(ToolKind.CART)
async def remove_from_cart(runtime: ShopRuntime, variant_id: VariantId) -> CartOut:
    """Take a variant's line out of the cart. Returns the cart."""
    context = context_of(runtime)
    return await context.services.carts.remove_item(context.actor, variant_id)


@shop_tool(ToolKind.CART)
async def clear_cart(runtime: ShopRuntime) -> CartOut:
    """Empty the cart. Returns the (empty) cart."""
    context = context_of(runtime)
    return await context.services.carts.clear(context.actor)


TOOLS: tuple[ShopTool, ...] = (
    view_cart,
    add_to_cart,
    set_cart_quantity,
    remove_from_cart,
    clear_cart,
)
