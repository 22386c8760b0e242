"""The signed-in user's cart, priced at current prices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentUser, Services
from services.carts.schemas import CartItemIn, CartOut, CartQuantityIn

router = APIRouter(prefix="/cart", tags=["cart"])

VariantId = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("")
async def get_cart(container: Services, actor: CurrentUser) -> CartOut:
    """The cart with line totals, the total, and flags on lines that cannot be bought as is."""
    return await container.carts.view(actor)


@router.post("/items")
async def add_item(container: Services, actor: CurrentUser, body: CartItemIn) -> CartOut:
    """Add a variant (merged into its line if present; a line holds 1 to 99 units)."""
    return await container.carts.add_item(actor, body.variant_id, body.quantity)


@router.patch("/items/{variant_id}")
async def set_quantity(
    container: Services, actor: CurrentUser, variant_id: VariantId, body: CartQuantityIn
) -> CartOut:
    """Set the quantity of a line (1 to 99)."""
    return await container.carts.set_quantity(actor, variant_id, body.quantity)


@router.delete("/items/{variant_id}")
async def remove_item(container: Services, actor: CurrentUser, variant_id: VariantId) -> CartOut:
    """Remove a line from the cart."""
    return await container.carts.remove_item(actor, variant_id)


@router.delete("")
async def clear_cart(container: Services, actor: CurrentUser) -> CartOut:
    """Empty the cart."""
    return await container.carts.clear(actor)
