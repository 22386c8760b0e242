"""The catalog service over fakes: roles, ownership, price history, events, soft deletes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.catalog.errors import (
    CategoryInUse,
    DuplicateCategory,
    DuplicateVariant,
    ProductNotFound,
    TooManyImages,
    VariantNotFound,
)
from services.catalog.schemas import (
    CategoryIn,
    PriceIn,
    ProductIn,
    ProductPatch,
    VariantIn,
    VariantPatch,
)
from services.catalog.service import CatalogService
from services.kernel.actor import Actor
from services.kernel.errors import Forbidden
from tests.unit.catalog.fakes import FakeShop, FakeStorage, NoSearch

MERCHANT = Actor("usr_m", "merchant")
RIVAL = Actor("usr_r", "merchant")
ADMIN = Actor("usr_a", "admin")
CUSTOMER = Actor("usr_c", "customer")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.fixture
def shop() -> FakeShop:
    return FakeShop()


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def catalog(shop: FakeShop, storage: FakeStorage) -> CatalogService:
    uow_factory: Any = shop.uow
    return CatalogService(
        uow_factory, shop.clock, storage, NoSearch(), currency="USD", image_max_bytes=1024
    )


async def new_product(catalog: CatalogService, actor: Actor = MERCHANT) -> str:
    category = await catalog.create_category(actor, CategoryIn(name=f"Cat {actor.user_id}"))
    product = await catalog.create_product(
        actor,
        ProductIn(
            name="Lamp",
            category_id=category.id,
            variants=[
                VariantIn(options={"Color": "white"}, price=PriceIn(amount=2500), on_hand=3),
                VariantIn(options={"color": "black"}, price=PriceIn(amount=2700)),
            ],
        ),
    )
    return product.id


async def test_creating_a_product_records_first_prices_and_an_event(
    catalog: CatalogService, shop: FakeShop
) -> None:
    product_id = await new_product(catalog)
    product = shop.catalog.products[product_id]
    assert product.merchant_id == MERCHANT.user_id
    assert [(p.version, p.price_minor) for p in shop.catalog.prices] == [(1, 2500), (1, 2700)]
    created = [e for e in shop.events if e.type == "product.created"]
    assert created[0].payload["product_id"] == product_id
    assert len(created[0].payload["variant_ids"]) == 2


def test_option_names_are_normalised() -> None:
    assert VariantIn(options={" Color ": " Blue "}, price=PriceIn(amount=1)).options == {
        "color": "Blue"
    }
    with pytest.raises(ValidationError):
        VariantIn(options={"color": "a", "COLOR": "b"}, price=PriceIn(amount=1))


async def test_customers_cannot_write(catalog: CatalogService) -> None:
    with pytest.raises(Forbidden):
        await catalog.create_category(CUSTOMER, CategoryIn(name="X"))
    product_id = await new_product(catalog)
    with pytest.raises(Forbidden):
        await catalog.update_product(CUSTOMER, product_id, ProductPatch(name="Mine"))


async def test_rival_merchant_gets_not_found(catalog: CatalogService, shop: FakeShop) -> None:
    product_id = await new_product(catalog)
    variant_id = next(iter(shop.catalog.variants))
    with pytest.raises(ProductNotFound):
        await catalog.delete_product(RIVAL, product_id)
    with pytest.raises(VariantNotFound):
        await catalog.update_variant(RIVAL, variant_id, VariantPatch(on_hand=0))
    assert shop.catalog.products[product_id].is_active is True


async def test_admin_edits_any_product(catalog: CatalogService) -> None:
    product_id = await new_product(catalog)
    updated = await catalog.update_product(ADMIN, product_id, ProductPatch(name="Desk Lamp"))
    assert updated.name == "Desk Lamp"


async def test_price_change_adds_history_and_event(catalog: CatalogService, shop: FakeShop) -> None:
    await new_product(catalog)
    variant_id = next(iter(shop.catalog.variants))
    out = await catalog.update_variant(
        MERCHANT, variant_id, VariantPatch(price=PriceIn(amount=1999))
    )
    assert (out.price.amount, out.price_version) == (1999, 2)
    history = await shop.catalog.price_history(variant_id)
    assert [(h.version, h.price_minor, h.changed_by) for h in history] == [
        (1, 2500, "usr_m"),
        (2, 1999, "usr_m"),
    ]
    event = next(e for e in shop.events if e.type == "variant.price_changed")
    assert event.payload == {
        "variant_id": variant_id,
        "product_id": out.product_id,
        "old_amount": 2500,
        "new_amount": 1999,
        "currency": "USD",
        "version": 2,
    }


async def test_stock_change_emits_its_delta(catalog: CatalogService, shop: FakeShop) -> None:
    await new_product(catalog)
    variant_id = next(iter(shop.catalog.variants))
    await catalog.update_variant(MERCHANT, variant_id, VariantPatch(stock_delta=5))
    await catalog.update_variant(MERCHANT, variant_id, VariantPatch(on_hand=8))
    deltas = [e.payload["delta"] for e in shop.events if e.type == "stock.changed"]
    assert deltas == [5]


async def test_duplicate_variant_options_are_refused(catalog: CatalogService) -> None:
    product_id = await new_product(catalog)
    with pytest.raises(DuplicateVariant):
        await catalog.add_variant(
            MERCHANT, product_id, VariantIn(options={"color": "white"}, price=PriceIn(amount=1))
        )


async def test_delete_is_soft_and_emits_an_event(catalog: CatalogService, shop: FakeShop) -> None:
    product_id = await new_product(catalog)
    await catalog.delete_product(MERCHANT, product_id)
    await catalog.delete_product(MERCHANT, product_id)
    assert shop.catalog.products[product_id].is_active is False
    assert [e.type for e in shop.events].count("product.deleted") == 1
    with pytest.raises(ProductNotFound):
        await catalog.get_product(product_id)


async def test_category_rules(catalog: CatalogService) -> None:
    await new_product(catalog)
    category = (await catalog.list_categories())[0]
    with pytest.raises(DuplicateCategory):
        await catalog.create_category(MERCHANT, CategoryIn(name=category.name.upper()))
    with pytest.raises(CategoryInUse):
        await catalog.delete_category(ADMIN, category.id)


async def test_images_are_stored_and_limited(
    catalog: CatalogService, shop: FakeShop, storage: FakeStorage
) -> None:
    product_id = await new_product(catalog)
    image = await catalog.add_image(MERCHANT, product_id, PNG)
    assert storage.blobs == {f"products/{product_id}/{image.id}.png": PNG}
    for _ in range(19):
        await catalog.add_image(MERCHANT, product_id, PNG)
    with pytest.raises(TooManyImages):
        await catalog.add_image(MERCHANT, product_id, PNG)
    await catalog.delete_image(MERCHANT, product_id, image.id)
    assert len(storage.blobs) == 19
