"""Cart rules that need no database: quantity limits, line flags, totals."""

from __future__ import annotations

from collections.abc import Sequence

from services.carts.errors import InvalidQuantity
from services.carts.models import CartLine
from services.carts.schemas import MAX_QUANTITY, MIN_QUANTITY, CartLineOut, CartOut
from services.catalog.models import Product, Variant
from services.kernel.money import Money, MoneyOut


def check_quantity(quantity: int, *, variant_id: str | None = None) -> int:
    """A line quantity within 1..99, or :class:`InvalidQuantity`."""
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(
            f"Quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY}.",
            details={"quantity": quantity, "variant_id": variant_id, "max": MAX_QUANTITY},
        )
    return quantity


def merged_quantity(in_cart: int, added: int, *, variant_id: str | None = None) -> int:
    """The line's quantity after adding ``added`` more; the sum must stay within 1..99."""
    check_quantity(added, variant_id=variant_id)
    total = in_cart + added
    if total > MAX_QUANTITY:
        raise InvalidQuantity(
            f"A cart line holds at most {MAX_QUANTITY} units; {in_cart} are already in the cart.",
            details={"in_cart": in_cart, "added": added, "max": MAX_QUANTITY},
        )
    return total


def is_sold(variant: Variant, product: Product) -> bool:
    """The variant can still be bought: product and variant live and marked available."""
    return product.is_active and variant.is_active and variant.is_available


def line_out(line: CartLine, variant: Variant, product: Product) -> CartLineOut:
    """A cart line at the current price, flagged when it cannot be bought as it stands."""
    sold = is_sold(variant, product)
    price = Money(variant.price_minor, variant.currency)
    return CartLineOut(
        variant_id=variant.id,
        product_id=product.id,
        product_name=product.name,
        options=dict(variant.options),
        quantity=line.quantity,
        unit_price=MoneyOut.of(price.amount, price.currency),
        line_total=MoneyOut.of(price.times(line.quantity).amount, price.currency),
        available=variant.available,
        unavailable=not sold,
        short_of_stock=sold and line.quantity > variant.available,
        added_at=line.added_at,
    )


def cart_out(lines: Sequence[CartLineOut], currency: str) -> CartOut:
    """The cart with its total over the lines still sold."""
    total = Money(0, currency)
    for line in lines:
        if not line.unavailable:
            total += Money(line.line_total.amount, line.line_total.currency)
    return CartOut(
        lines=list(lines),
        item_count=sum(line.quantity for line in lines),
        total=MoneyOut.of(total.amount, total.currency),
        has_issues=any(line.unavailable or line.short_of_stock for line in lines),
    )
