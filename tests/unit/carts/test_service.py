"""The cart service over fakes: merging, stock checks, isolation, checkout helpers."""

from __future__ import annotations

import pytest

from services.carts.errors import (
    CartLineNotFound,
    InsufficientStock,
    InvalidQuantity,
    VariantUnavailable,
)
from services.carts.service import CartService
from services.catalog.errors import VariantNotFound
from services.catalog.models import Product, Variant
from services.kernel.actor import Actor
from tests.unit.catalog.fakes import FakeShop

ANN = Actor("usr_ann")
BOB = Actor("usr_bob")


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop()
    shop.catalog.add(Product(id="prd_1", name="Mug", is_active=True))
    for vid, on_hand, sold in (("var_a", 10, True), ("var_b", 200, True), ("var_c", 5, False)):
        shop.catalog.add(
            Variant(
                id=vid,
                product_id="prd_1",
                options={"v": vid},
                price_minor=800,
                currency="USD",
                on_hand=on_hand,
                reserved=0,
                is_available=sold,
                is_active=True,
            )
        )
    return shop


@pytest.fixture
def carts(shop: FakeShop) -> CartService:
    return CartService(shop.uow, shop.clock, currency="USD")  # type: ignore[arg-type]


async def test_adding_the_same_variant_merges(carts: CartService) -> None:
    await carts.add_item(ANN, "var_a", 2)
    cart = await carts.add_item(ANN, "var_a", 3)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [("var_a", 5)]
    assert cart.total.amount == 4000


async def test_merge_beyond_99_is_refused_and_keeps_the_line(carts: CartService) -> None:
    await carts.add_item(ANN, "var_b", 90)
    with pytest.raises(InvalidQuantity):
        await carts.add_item(ANN, "var_b", 10)
    assert (await carts.view(ANN)).lines[0].quantity == 90


async def test_unknown_unsold_and_short_variants_are_refused(carts: CartService) -> None:
    with pytest.raises(VariantNotFound):
        await carts.add_item(ANN, "var_zzz", 1)
    with pytest.raises(VariantUnavailable):
        await carts.add_item(ANN, "var_c", 1)
    with pytest.raises(InsufficientStock):
        await carts.add_item(ANN, "var_a", 11)


async def test_lowering_a_short_line_is_allowed_but_raising_it_is_not(
    carts: CartService, shop: FakeShop
) -> None:
    await carts.add_item(ANN, "var_a", 8)
    shop.catalog.variants["var_a"].on_hand = 4
    assert (await carts.view(ANN)).lines[0].short_of_stock is True
    assert (await carts.set_quantity(ANN, "var_a", 6)).lines[0].quantity == 6
    with pytest.raises(InsufficientStock):
        await carts.set_quantity(ANN, "var_a", 7)


async def test_carts_are_per_user(carts: CartService) -> None:
    await carts.add_item(ANN, "var_a", 1)
    assert (await carts.view(BOB)).lines == []
    with pytest.raises(CartLineNotFound):
        await carts.remove_item(BOB, "var_a")
    await carts.clear(BOB)
    assert len((await carts.view(ANN)).lines) == 1


async def test_get_lines_filters_by_variant(carts: CartService) -> None:
    await carts.add_item(ANN, "var_a", 1)
    await carts.add_item(ANN, "var_b", 2)
    lines = await carts.get_lines(ANN, ["var_b"])
    assert [(line.variant_id, line.quantity) for line in lines] == [("var_b", 2)]


async def test_remove_lines_works_inside_the_callers_unit_of_work(
    carts: CartService, shop: FakeShop
) -> None:
    await carts.add_item(ANN, "var_a", 1)
    await carts.add_item(ANN, "var_b", 1)
    commits = shop.commits
    async with shop.uow() as uow:
        await carts.remove_lines(uow, ANN.user_id, ["var_a"])  # type: ignore[arg-type]
    assert shop.commits == commits
    assert [line.variant_id for line in await carts.get_lines(ANN)] == ["var_b"]
