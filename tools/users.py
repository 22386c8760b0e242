"""Account tools: profile, addresses (adding one is a COMMIT), saved payment methods."""

from __future__ import annotations

from typing import Any

from services.users.payment_schemas import PaymentMethodOut
from services.users.schemas import (
    AddressIn,
    AddressOut,
    City,
    Country,
    Line,
    OptionalLine,
    Recipient,
    State,
    UserOut,
    Zip,
)
from tools.base import ShopContext, ShopRuntime, ShopTool, ToolKind, context_of, shop_tool


@shop_tool(ToolKind.READ)
async def get_profile(runtime: ShopRuntime) -> UserOut:
    """The signed-in shopper's account: name, email, role."""
    context = context_of(runtime)
    return await context.services.users.me(context.actor)


@shop_tool(ToolKind.READ)
async def list_addresses(runtime: ShopRuntime) -> list[AddressOut]:
    """The shopper's saved shipping addresses with their ids; one is the default."""
    context = context_of(runtime)
    return await context.services.users.list_addresses(context.actor)


async def _summarize_address(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    address = AddressIn.model_validate(args)
    lines = [address.recipient, address.line1, address.line2, address.city, address.state]
    return {
        "action": "Save a new shipping address",
        "address": ", ".join(part for part in [*lines, address.zip, address.country] if part),
        "make_default": address.is_default,
    }


@shop_tool(ToolKind.COMMIT, summarize=_summarize_address)
async def add_address(
    runtime: ShopRuntime,
    recipient: Recipient,
    line1: Line,
    city: City,
    zip: Zip,
    country: Country,
    line2: OptionalLine = "",
    state: State = "",
    is_default: bool = False,
) -> AddressOut:
    """Save a new shipping address for the shopper (the first one becomes the default).
    The shopper confirms it before it is saved."""
    context = context_of(runtime)
    data = AddressIn(
        recipient=recipient,
        line1=line1,
        line2=line2,
        city=city,
        state=state,
        zip=zip,
        country=country,
        is_default=is_default,
    )
    return await context.services.users.add_address(context.actor, data)


@shop_tool(ToolKind.READ)
async def list_payment_methods(runtime: ShopRuntime) -> list[PaymentMethodOut]:
    """The shopper's saved payment methods (cards, gift cards with balance, PayPal) with ids."""
    context = context_of(runtime)
    return await context.services.users.list_payment_methods(context.actor)


TOOLS: tuple[ShopTool, ...] = (get_profile, list_addresses, add_address, list_payment_methods)
