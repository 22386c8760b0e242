"""Order arithmetic: totals, discount shares, refunds of returned items, stock quantities."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.catalog.stock import StockLevel, merge_quantities
from services.orders.models import OrderLine
from services.orders.pricing import (
    address_snapshot,
    compute_totals,
    coupon_lines,
    discount_share,
    merge_items,
    refund_for,
)


def test_total_is_subtotal_less_discount_plus_shipping() -> None:
    totals = compute_totals([2500, 1000], discount=500, shipping=499)
    assert (totals.subtotal, totals.discount, totals.shipping, totals.total) == (
        3500,
        500,
        499,
        3499,
    )


def test_discount_never_exceeds_the_subtotal_nor_goes_negative() -> None:
    assert compute_totals([1000], discount=5000, shipping=0).total == 0
    assert compute_totals([1000], discount=-10, shipping=0).discount == 0


def test_discount_share_is_proportional_and_rounded_down() -> None:
    assert discount_share(1000, 3000, 1000) == 333
    assert discount_share(0, 3000, 1000) == 0
    assert discount_share(100, 0, 0) == 0


def test_refund_of_returned_items_is_their_price_less_their_discount_share() -> None:
    assert refund_for(discount=1000, subtotal=4000, returned=2000, refundable=3000) == 1500


def test_refund_never_exceeds_what_is_left_of_the_payments() -> None:
    assert refund_for(discount=0, subtotal=4000, returned=4000, refundable=2500) == 2500
    assert refund_for(discount=0, subtotal=4000, returned=4000, refundable=0) == 0


def test_merge_items_sums_duplicates_in_first_seen_order() -> None:
    assert merge_items([("b", 1), ("a", 2), ("b", 3)]) == {"b": 4, "a": 2}


def test_stock_quantities_are_summed_and_sorted_for_a_stable_lock_order() -> None:
    assert list(merge_quantities([("v2", 1), ("v1", 2), ("v2", 2)]).items()) == [
        ("v1", 2),
        ("v2", 3),
    ]


@pytest.mark.parametrize("quantity", [0, -1])
def test_stock_quantities_must_be_positive(quantity: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        merge_quantities([("v1", quantity)])


def test_available_stock_is_on_hand_less_reserved_and_never_negative() -> None:
    assert StockLevel("v", on_hand=10, reserved=3).available == 7
    assert StockLevel("v", on_hand=1, reserved=3).available == 0


def test_address_snapshot_keeps_the_fields_as_text() -> None:
    address = SimpleNamespace(
        recipient="Ada", line1="1 Main", line2=None, city="X", state="", zip="1", country="US"
    )
    assert address_snapshot(address) == {
        "recipient": "Ada",
        "line1": "1 Main",
        "line2": "",
        "city": "X",
        "state": "",
        "zip": "1",
        "country": "US",
    }


def test_coupon_lines_carry_product_category_and_line_total() -> None:
    line = OrderLine(product_id="p", category_id="c", unit_price_minor=250, quantity=3)
    (only,) = coupon_lines([line])
    assert (only.product_id, only.category_id, only.total_minor) == ("p", "c", 750)
