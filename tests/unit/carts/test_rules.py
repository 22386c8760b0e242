"""Cart rules: quantity limits, merging, line flags and totals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.carts.errors import InvalidQuantity
from services.carts.models import CartLine
from services.carts.rules import cart_out, check_quantity, line_out, merged_quantity
from services.catalog.models import Product, Variant

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def variant(**fields: object) -> Variant:
    values: dict[str, object] = {
        "id": "var_1",
        "product_id": "prd_1",
        "options": {"size": "M"},
        "price_minor": 1250,
        "currency": "USD",
        "on_hand": 5,
        "reserved": 1,
        "is_available": True,
        "is_active": True,
    }
    values.update(fields)
    return Variant(**values)


def product(active: bool = True) -> Product:
    return Product(id="prd_1", name="Tee", is_active=active)


def line(quantity: int, variant_id: str = "var_1") -> CartLine:
    return CartLine(user_id="usr_1", variant_id=variant_id, quantity=quantity, added_at=NOW)


@pytest.mark.parametrize("quantity", [1, 50, 99])
def test_quantities_from_1_to_99_are_accepted(quantity: int) -> None:
    assert check_quantity(quantity) == quantity


@pytest.mark.parametrize("quantity", [0, -3, 100])
def test_quantities_outside_1_to_99_are_refused(quantity: int) -> None:
    with pytest.raises(InvalidQuantity):
        check_quantity(quantity)


def test_merging_adds_to_the_line_up_to_99() -> None:
    assert merged_quantity(0, 3) == 3
    assert merged_quantity(97, 2) == 99
    with pytest.raises(InvalidQuantity) as caught:
        merged_quantity(98, 2)
    assert caught.value.details["in_cart"] == 98


def test_merging_refuses_a_non_positive_addition() -> None:
    with pytest.raises(InvalidQuantity):
        merged_quantity(5, 0)


def test_line_is_priced_at_the_current_price() -> None:
    out = line_out(line(3), variant(), product())
    assert (out.unit_price.amount, out.line_total.amount, out.line_total.formatted) == (
        1250,
        3750,
        "$37.50",
    )
    assert (out.unavailable, out.short_of_stock, out.available) == (False, False, 4)


def test_line_over_available_stock_is_short() -> None:
    out = line_out(line(5), variant(on_hand=5, reserved=1), product())
    assert (out.short_of_stock, out.unavailable) == (True, False)


@pytest.mark.parametrize(
    ("v", "p"),
    [
        (variant(is_available=False), product()),
        (variant(is_active=False), product()),
        (variant(), product(active=False)),
    ],
)
def test_line_of_a_variant_no_longer_sold_is_unavailable(v: Variant, p: Product) -> None:
    out = line_out(line(9), v, p)
    assert (out.unavailable, out.short_of_stock) == (True, False)


def test_total_skips_unavailable_lines_and_counts_units() -> None:
    sold = line_out(line(2), variant(), product())
    gone = line_out(line(1, "var_2"), variant(id="var_2", price_minor=999), product(active=False))
    cart = cart_out([sold, gone], "USD")
    assert (cart.total.amount, cart.item_count, cart.has_issues) == (2500, 3, True)


def test_empty_cart_totals_zero_in_shop_currency() -> None:
    cart = cart_out([], "USD")
    assert (cart.total.formatted, cart.has_issues, cart.lines) == ("$0.00", False, [])
