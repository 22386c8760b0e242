"""Catalog management through HTTP: categories, products, variants, prices, stock, ownership."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from services.bootstrap import Container
from services.kernel.events import OutboxEvent
from tests.e2e.catalog_helpers import (
    SignedIn,
    create_category,
    create_product,
    sign_in,
    variant,
)
from tests.e2e.conftest import error_code


@pytest.fixture
async def merchant(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "merchant")


@pytest.fixture
async def shoes(client: httpx.AsyncClient, merchant: SignedIn) -> dict[str, object]:
    category = await create_category(client, merchant, "Footwear")
    return await create_product(
        client,
        merchant,
        category["id"],
        "Running Shoes",
        [
            variant({"color": "blue", "size": "10"}, 9999),
            variant({"color": "red", "size": "9"}, 8999),
        ],
    )


async def test_categories_are_public_and_counted(
    client: httpx.AsyncClient, shoes: dict[str, object]
) -> None:
    response = await client.get("/categories")
    assert response.status_code == 200
    assert [(c["name"], c["product_count"]) for c in response.json()] == [("Footwear", 1)]


async def test_category_writes_need_a_staff_login(
    client: httpx.AsyncClient, container: Container
) -> None:
    customer = await sign_in(client, container, "customer")
    assert (await client.post("/categories", json={"name": "X"})).status_code == 401
    refused = await client.post("/categories", json={"name": "X"}, headers=customer.headers)
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"


async def test_category_names_are_unique_ignoring_case(
    client: httpx.AsyncClient, merchant: SignedIn
) -> None:
    await create_category(client, merchant, "Kitchen")
    again = await client.post("/categories", json={"name": "kitchen"}, headers=merchant.headers)
    assert again.status_code == 409
    assert error_code(again) == "duplicate_category"


async def test_category_body_is_validated(client: httpx.AsyncClient, merchant: SignedIn) -> None:
    blank = await client.post("/categories", json={"name": "  "}, headers=merchant.headers)
    extra = await client.post("/categories", json={"name": "A", "x": 1}, headers=merchant.headers)
    assert (blank.status_code, extra.status_code) == (422, 422)


async def test_category_can_be_renamed_and_empty_one_deleted(
    client: httpx.AsyncClient, merchant: SignedIn, shoes: dict[str, object]
) -> None:
    category_id = shoes["category"]["id"]  # type: ignore[index]
    renamed = await client.patch(
        f"/categories/{category_id}", json={"name": "Shoes"}, headers=merchant.headers
    )
    assert renamed.json()["name"] == "Shoes"
    in_use = await client.delete(f"/categories/{category_id}", headers=merchant.headers)
    assert (in_use.status_code, error_code(in_use)) == (409, "category_in_use")
    empty = await create_category(client, merchant, "Empty")
    assert (
        await client.delete(f"/categories/{empty['id']}", headers=merchant.headers)
    ).status_code == 204
    missing = await client.patch(
        "/categories/cat_nope", json={"name": "Y"}, headers=merchant.headers
    )
    assert (missing.status_code, error_code(missing)) == (404, "category_not_found")


async def test_product_page_shows_variants_prices_and_options(
    client: httpx.AsyncClient, shoes: dict[str, object]
) -> None:
    response = await client.get(f"/products/{shoes['id']}")
    assert response.status_code == 200
    product = response.json()
    assert product["options"] == {"color": ["blue", "red"], "size": ["9", "10"]}
    assert product["min_price"] == {"amount": 8999, "currency": "USD", "formatted": "$89.99"}
    first = product["variants"][0]
    assert first["options"] == {"color": "blue", "size": "10"}
    assert first["price"]["formatted"] == "$99.99"
    assert (first["available"], first["in_stock"], first["price_version"]) == (10, True, 1)
    assert product["images"] == []


async def test_unknown_product_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/products/prd_missing")
    assert (response.status_code, error_code(response)) == (404, "product_not_found")


async def test_product_creation_is_validated(
    client: httpx.AsyncClient, merchant: SignedIn, container: Container
) -> None:
    category = await create_category(client, merchant, "Misc")
    base = {"name": "Thing", "category_id": category["id"]}
    negative = {**base, "variants": [variant({"size": "M"}, -1)]}
    twice = {**base, "variants": [variant({"size": "M"}, 100), variant({"Size": "M"}, 200)]}
    euro = {**base, "variants": [{"options": {}, "price": {"amount": 1, "currency": "EUR"}}]}
    nowhere = {**base, "category_id": "cat_missing"}
    answers = [
        await client.post("/products", json=body, headers=merchant.headers)
        for body in (negative, twice, euro, nowhere)
    ]
    assert [(r.status_code, error_code(r)) for r in answers] == [
        (422, "validation_error"),
        (409, "duplicate_variant"),
        (422, "unsupported_currency"),
        (404, "category_not_found"),
    ]
    customer = await sign_in(client, container, "customer")
    assert (await client.post("/products", json=base, headers=customer.headers)).status_code == 403
    assert (await client.post("/products", json=base)).status_code == 401


async def test_merchant_cannot_touch_another_merchants_product(
    client: httpx.AsyncClient, container: Container, shoes: dict[str, object]
) -> None:
    rival = await sign_in(client, container, "merchant")
    variant_id = shoes["variants"][0]["id"]  # type: ignore[index]
    attempts = [
        await client.patch(
            f"/products/{shoes['id']}", json={"name": "Mine"}, headers=rival.headers
        ),
        await client.delete(f"/products/{shoes['id']}", headers=rival.headers),
        await client.post(
            f"/products/{shoes['id']}/variants", json=variant({"c": "x"}, 1), headers=rival.headers
        ),
        await client.patch(
            f"/variants/{variant_id}", json={"price": {"amount": 1}}, headers=rival.headers
        ),
        await client.delete(f"/variants/{variant_id}", headers=rival.headers),
    ]
    assert [r.status_code for r in attempts] == [404] * 5


async def test_admin_manages_every_product(
    client: httpx.AsyncClient, container: Container, shoes: dict[str, object]
) -> None:
    admin = await sign_in(client, container, "admin")
    response = await client.patch(
        f"/products/{shoes['id']}", json={"name": "Trail Shoes"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Trail Shoes"


async def test_deleted_product_is_hidden_and_can_be_restored(
    client: httpx.AsyncClient, merchant: SignedIn, shoes: dict[str, object]
) -> None:
    assert (
        await client.delete(f"/products/{shoes['id']}", headers=merchant.headers)
    ).status_code == 204
    assert (await client.get(f"/products/{shoes['id']}")).status_code == 404
    assert (await client.get("/products")).json()["total"] == 0
    restored = await client.patch(
        f"/products/{shoes['id']}", json={"is_active": True}, headers=merchant.headers
    )
    assert restored.json()["is_active"] is True
    assert (await client.get(f"/products/{shoes['id']}")).status_code == 200


async def test_price_change_is_versioned_in_history(
    client: httpx.AsyncClient, merchant: SignedIn, shoes: dict[str, object]
) -> None:
    variant_id = shoes["variants"][0]["id"]  # type: ignore[index]
    for amount in (10999, 10999, 7999):
        response = await client.patch(
            f"/variants/{variant_id}", json={"price": {"amount": amount}}, headers=merchant.headers
        )
        assert response.status_code == 200
    assert response.json()["price_version"] == 3
    history = (await client.get(f"/variants/{variant_id}/price-history")).json()
    assert [(h["version"], h["price"]["amount"]) for h in history] == [
        (1, 9999),
        (2, 10999),
        (3, 7999),
    ]


async def test_stock_can_be_set_and_adjusted(
    client: httpx.AsyncClient, merchant: SignedIn, shoes: dict[str, object], container: Container
) -> None:
    url = f"/variants/{shoes['variants'][0]['id']}"  # type: ignore[index]
    set_to = await client.patch(url, json={"on_hand": 3}, headers=merchant.headers)
    adjusted = await client.patch(url, json={"stock_delta": -2}, headers=merchant.headers)
    assert (set_to.json()["available"], adjusted.json()["available"]) == (3, 1)
    below = await client.patch(url, json={"stock_delta": -5}, headers=merchant.headers)
    assert (below.status_code, error_code(below)) == (409, "stock_below_reserved")
    both = await client.patch(url, json={"on_hand": 1, "stock_delta": 1}, headers=merchant.headers)
    assert both.status_code == 422
    async with container.uow() as uow:
        events = await uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "stock.changed")
        )
        assert [e.payload["delta"] for e in events] == [-7, -2]


async def test_variant_can_be_added_and_deleted(
    client: httpx.AsyncClient, merchant: SignedIn, shoes: dict[str, object]
) -> None:
    added = await client.post(
        f"/products/{shoes['id']}/variants",
        json=variant({"color": "green", "size": "11"}, 12000, on_hand=0),
        headers=merchant.headers,
    )
    assert added.status_code == 201
    assert added.json()["in_stock"] is False
    variant_id = added.json()["id"]
    assert (await client.get(f"/variants/{variant_id}")).status_code == 200
    assert (
        await client.delete(f"/variants/{variant_id}", headers=merchant.headers)
    ).status_code == 204
    assert (await client.get(f"/variants/{variant_id}")).status_code == 404
    assert (await client.get(f"/variants/{variant_id}/price-history")).status_code == 404
    page = (await client.get(f"/products/{shoes['id']}")).json()
    assert variant_id not in [v["id"] for v in page["variants"]]
