"""Confirmation summaries: what a COMMIT call will do, read from the services before it runs.

Each summarizer takes the run's context and the validated arguments and returns plain data
(items, amounts, order id, address) for the shopper to approve. They only read.
"""

from __future__ import annotations

from typing import Any

from services.orders.schemas import OrderOut
from services.users.schemas import AddressOut
from tools.base import ShopContext


def address_line(address: AddressOut) -> str:
    """An address on one line."""
    parts = [address.recipient, address.line1, address.line2, address.city, address.state]
    return ", ".join(part for part in [*parts, address.zip, address.country] if part)


def order_brief(order: OrderOut) -> dict[str, Any]:
    """An order's id, status, items and amounts."""
    return {
        "order_id": order.id,
        "status": order.status,
        "items": [
            {
                "product": line.product_name,
                "options": line.options,
                "quantity": line.quantity,
                "line_total": line.line_total.formatted,
            }
            for line in order.lines
        ],
        "total": order.total.formatted,
        "amount_paid": order.amount_paid.formatted,
    }


async def order_of(context: ShopContext, args: dict[str, Any]) -> OrderOut:
    """The order named by ``args["order_id"]`` (NotFound unless it is the actor's)."""
    orders = context.services.orders
    return await orders.get(context.actor, str(args["order_id"]))


async def address_of(context: ShopContext, address_id: str) -> str:
    """One of the actor's addresses, on one line."""
    address = await context.services.users.get_address(context.actor, address_id)
    return address_line(address)


async def method_label(context: ShopContext, method_id: str | None) -> str | None:
    """The label of one of the actor's payment methods (``Visa •••• 4242``)."""
    if method_id is None:
        return None
    method = await context.services.users.get_payment_method(context.actor, method_id)
    return method.label


async def variant_text(context: ShopContext, variant_id: str) -> str:
    """A variant's options and current price, e.g. ``size: L, color: red — $25.00``."""
    variant = await context.services.catalog.get_variant(variant_id)
    options = ", ".join(f"{key}: {value}" for key, value in variant.options.items())
    return f"{options or variant_id} — {variant.price.formatted}"
