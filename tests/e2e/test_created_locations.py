"""Every ``201 Created`` names what it created in ``Location``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from services.bootstrap import Container
from tests.conftest import make_settings
from tests.e2e.accounts import PASSWORD
from tests.e2e.conftest import unique_email
from tests.e2e.order_helpers import Shop, delivered_order, new_buyer, ok, open_shop

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROOT = "http://test"


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """One product with two variants, owned by an admin."""
    return await open_shop(client, container, stock=[10, 10], prices=[2500, 2500])


def location(response: httpx.Response) -> str:
    """The ``Location`` of a 201."""
    assert response.status_code == 201, response.text
    return response.headers["location"]


async def follow(client: httpx.AsyncClient, response: httpx.Response, **kwargs: Any) -> Any:
    """GET the ``Location`` of a 201 (a full path, from the site root)."""
    found = await client.get(ROOT + location(response), **kwargs)
    assert found.status_code == 200, found.text
    return found.json() if "json" in found.headers["content-type"] else found.content


async def test_catalog_creations_point_at_the_new_resource(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    staff = shop.admin.headers
    category = await client.post("/categories", json={"name": "Hats"}, headers=staff)
    assert location(category) == f"/api/v1/categories/{category.json()['id']}"
    body = {"name": "Cap", "category_id": category.json()["id"]}
    product = await client.post("/products", json=body, headers=staff)
    assert (await follow(client, product))["name"] == "Cap"
    variant_body = {"options": {"size": "M"}, "price": {"amount": 900}, "on_hand": 1}
    url = f"/products/{product.json()['id']}/variants"
    variant = await client.post(url, json=variant_body, headers=staff)
    assert (await follow(client, variant))["id"] == variant.json()["id"]
    files = {"file": ("cap.png", PNG, "image/png")}
    image = await client.post(
        f"/products/{product.json()['id']}/images", files=files, headers=staff
    )
    assert await follow(client, image) == PNG


async def test_account_creations_point_at_the_new_resource(client: httpx.AsyncClient) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "name": "Noor"}
    registered = await client.post("/auth/register", json=body)
    assert location(registered) == "/api/v1/users/me"
    login = {"email": body["email"], "password": PASSWORD}
    tokens = ok(await client.post("/auth/login", json=login))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await follow(client, registered, headers=headers))["id"] == registered.json()["id"]
    address = {"recipient": "N", "line1": "1 Main St", "city": "X", "zip": "1", "country": "US"}
    saved = await client.post("/users/me/addresses", json=address, headers=headers)
    assert location(saved) == f"/api/v1/users/me/addresses/{saved.json()['id']}"
    card = {
        "type": "card",
        "number": "4242424242424242",
        "exp_month": 12,
        "exp_year": 2099,
        "cvc": "123",
    }
    method = await client.post("/users/me/payment-methods", json=card, headers=headers)
    assert location(method) == f"/api/v1/users/me/payment-methods/{method.json()['id']}"


async def test_an_order_and_its_replay_point_at_the_order(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    body = {
        "address_id": buyer.address_id,
        "items": [{"variant_id": shop.variant_id(), "quantity": 1}],
    }
    headers = {**buyer.headers, "Idempotency-Key": "order-1"}
    placed = await client.post("/orders", json=body, headers=headers)
    order_id = placed.json()["id"]
    assert (await follow(client, placed, headers=buyer.headers))["id"] == order_id
    replayed = await client.post("/orders", json=body, headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert location(replayed) == f"/api/v1/orders/{order_id}"
    token = await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers)
    assert location(token) == f"/api/v1/orders/{order_id}"


async def test_returns_and_exchanges_point_at_their_order(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    items = [(shop.variant_id(0), 2)]
    order = await delivered_order(client, shop, buyer, items)
    url = f"/orders/{order['id']}"
    back = {"items": [{"variant_id": shop.variant_id(0), "quantity": 1}], "reason": "too big"}
    returned = await client.post(f"{url}/returns", json=back, headers=buyer.headers)
    assert returned.json()["id"] in {
        r["id"] for r in (await follow(client, returned, headers=buyer.headers))["returns"]
    }
    other = f"/orders/{(await delivered_order(client, shop, buyer, items))['id']}"
    swap = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    exchanged = await client.post(f"{other}/exchanges", json=swap, headers=buyer.headers)
    assert location(exchanged) == f"/api/v1{other}"


async def test_coupons_point_at_the_lists_that_hold_them(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"code": "HELLO5", "kind": "amount_off", "amount_off": 500, "expires_at": soon}
    created = await client.post("/coupons", json=body, headers=shop.admin.headers)
    assert location(created) == "/api/v1/coupons"
    buyer = await new_buyer(client)
    listed = await follow(client, created, headers=buyer.headers)
    assert "HELLO5" in [coupon["code"] for coupon in listed["items"]]
    claimed = await client.post("/coupons/HELLO5/claim", headers=buyer.headers)
    mine = await follow(client, claimed, headers=buyer.headers)
    assert [claim["coupon"]["code"] for claim in mine["items"]] == ["HELLO5"]


TESTED = {
    "create_category", "create_product", "add_variant", "upload_image", "register",
    "add_address", "add_payment_method", "place_order", "issue_payment_token",
    "request_return", "request_exchange", "create_coupon", "claim_coupon",
}  # fmt: skip


def test_every_documented_location_is_tested_here(tmp_path: Path) -> None:
    schema = create_app(make_settings(tmp_path)).openapi()
    documented = {
        operation["operationId"]
        for item in schema["paths"].values()
        for operation in item.values()
        if "Location" in operation["responses"].get("201", {}).get("headers", {})
    }
    assert documented == TESTED
