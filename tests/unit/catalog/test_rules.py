"""Catalog rules: who may manage a product, price versions, stock changes, option values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.catalog.errors import ProductNotFound, StockBelowReserved
from services.catalog.models import Product, Variant
from services.catalog.rules import (
    change_price,
    change_stock,
    ensure_can_manage,
    in_stock,
    initial_price,
    natural_key,
    option_values,
    same_options,
)
from services.kernel.actor import Actor
from services.kernel.errors import Forbidden

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_variant(**fields: object) -> Variant:
    values: dict[str, object] = {
        "id": "var_1",
        "product_id": "prd_1",
        "options": {},
        "price_minor": 1000,
        "currency": "USD",
        "price_version": 1,
        "on_hand": 10,
        "reserved": 0,
        "is_available": True,
        "is_active": True,
    }
    values.update(fields)
    return Variant(**values)


def product_of(merchant_id: str) -> Product:
    return Product(id="prd_1", name="P", merchant_id=merchant_id, is_active=True)


def test_merchant_manages_own_product() -> None:
    ensure_can_manage(Actor("usr_a", "merchant"), product_of("usr_a"))


def test_other_merchants_product_looks_missing() -> None:
    with pytest.raises(ProductNotFound):
        ensure_can_manage(Actor("usr_b", "merchant"), product_of("usr_a"))


def test_admin_manages_any_product() -> None:
    ensure_can_manage(Actor("usr_admin", "admin"), product_of("usr_a"))


def test_customer_is_forbidden_even_on_own_id() -> None:
    with pytest.raises(Forbidden):
        ensure_can_manage(Actor("usr_a", "customer"), product_of("usr_a"))


def test_first_price_is_version_one() -> None:
    variant = make_variant(price_version=0)
    row = initial_price(variant, "usr_a", NOW)
    assert (row.version, row.price_minor, variant.price_version) == (1, 1000, 1)


def test_each_price_change_adds_a_version() -> None:
    variant = make_variant()
    second = change_price(variant, 1200, "USD", "usr_a", NOW)
    third = change_price(variant, 900, "USD", "usr_a", NOW)
    assert second is not None
    assert third is not None
    assert [(second.version, second.price_minor), (third.version, third.price_minor)] == [
        (2, 1200),
        (3, 900),
    ]
    assert (variant.price_minor, variant.price_version) == (900, 3)


def test_same_price_adds_no_version() -> None:
    variant = make_variant()
    assert change_price(variant, 1000, "USD", None, NOW) is None
    assert variant.price_version == 1


def test_stock_is_set_or_adjusted_and_returns_the_change() -> None:
    variant = make_variant(on_hand=10)
    assert change_stock(variant, on_hand=4) == -6
    assert change_stock(variant, delta=3) == 3
    assert variant.on_hand == 7


def test_stock_cannot_drop_below_reserved_units() -> None:
    variant = make_variant(on_hand=10, reserved=6)
    with pytest.raises(StockBelowReserved):
        change_stock(variant, delta=-5)
    assert variant.on_hand == 10


def test_in_stock_needs_an_unreserved_unit_of_a_sold_variant() -> None:
    assert in_stock(make_variant(on_hand=3, reserved=2))
    assert not in_stock(make_variant(on_hand=3, reserved=3))
    assert not in_stock(make_variant(is_available=False))
    assert not in_stock(make_variant(is_active=False))


def test_option_values_are_distinct_and_in_natural_order() -> None:
    variants = [
        make_variant(options={"size": "10", "color": "red"}),
        make_variant(options={"size": "9", "color": "blue"}),
        make_variant(options={"size": "10", "color": "blue"}),
    ]
    assert option_values(variants) == {"color": ["blue", "red"], "size": ["9", "10"]}


def test_natural_key_orders_numbers_by_value() -> None:
    assert sorted(["size 10", "size 2", "Size 1"], key=natural_key) == [
        "Size 1",
        "size 2",
        "size 10",
    ]


def test_same_options_ignores_attribute_case() -> None:
    assert same_options({"Color": "blue"}, {"color": "blue"})
    assert not same_options({"color": "Blue"}, {"color": "blue"})
