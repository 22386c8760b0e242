"""Abuse of the shop's own rules by signed-in users: coupons that discount another shop's goods,
and unpaid orders that hold a variant's stock away from every other buyer."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container
from tests.reliability.world import Customer, World, customer, ok


@pytest.fixture
def world(world_copy: tuple[Settings, World]) -> World:
    """This test's copy of the world."""
    return world_copy[1]


# Below the defaults (5 and 10), so the tests show the settings are what applies.
MAX_ORDERS = 3
MAX_UNITS = 6


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world, with this module's unpaid limits."""
    limits = {"max_unpaid_orders": MAX_ORDERS, "max_unpaid_units_per_variant": MAX_UNITS}
    return world_copy[0].model_copy(update=limits)


def free_coupon(scope: str, scope_id: str | None) -> dict[str, Any]:
    """A 100%-off coupon with a fresh code."""
    return {
        "code": f"FREE{secrets.token_hex(4).upper()}",
        "kind": "percent_off",
        "percent_off": 100,
        "scope": scope,
        "scope_id": scope_id,
        "expires_at": "2099-01-01T00:00:00Z",
    }


async def test_a_merchant_cannot_make_another_shops_product_free(
    client: httpx.AsyncClient, world: World
) -> None:
    for scope, scope_id in (
        ("product", world.product_id),
        ("shop", None),
        ("category", world.category_id),
    ):
        body = free_coupon(scope, scope_id)
        response = await client.post("/coupons", json=body, headers=world.merchant_b.headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "coupon_scope_forbidden"
        claim = await client.post(f"/coupons/{body['code']}/claim", headers=world.owner.headers)
        assert claim.status_code == 404, "a refused coupon exists anyway"


async def test_a_merchants_coupon_discounts_only_their_own_product(
    client: httpx.AsyncClient, world: World
) -> None:
    body = free_coupon("product", world.b_product_id)
    ok(await client.post("/coupons", json=body, headers=world.merchant_b.headers), 201)
    ok(await client.post(f"/coupons/{body['code']}/claim", headers=world.owner.headers), 201)
    items = [
        {"variant_id": world.variant_id, "quantity": 1},
        {"variant_id": world.b_variant_id, "quantity": 1},
    ]
    order_body = {"address_id": world.owner.address_id, "items": items, "coupon_code": body["code"]}
    order = ok(await client.post("/orders", json=order_body, headers=world.owner.headers), 201)
    assert (order["subtotal"]["amount"], order["discount"]["amount"]) == (5000, 2500)
    assert order["total"]["amount"] == 2500


async def _place(
    client: httpx.AsyncClient, buyer: Customer, variant_id: str, quantity: int = 1
) -> httpx.Response:
    item = {"variant_id": variant_id, "quantity": quantity}
    body = {"address_id": buyer.address_id, "items": [item]}
    return await client.post("/orders", json=body, headers=buyer.headers)


async def _reserved(client: httpx.AsyncClient, world: World, variant_id: str) -> int:
    staff = world.admin.headers
    return int(ok(await client.get(f"/variants/{variant_id}", headers=staff))["reserved"])


async def test_one_buyer_holds_only_so_many_unpaid_orders(
    client: httpx.AsyncClient, container: Container, world: World
) -> None:
    hoarder = await customer(client, container, card=False)
    placed = [
        ok(await _place(client, hoarder, world.variant_id), 201)["id"] for _ in range(MAX_ORDERS)
    ]
    reserved = await _reserved(client, world, world.variant2_id)
    refused = await _place(client, hoarder, world.variant2_id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "too_many_unpaid_orders"
    assert await _reserved(client, world, world.variant2_id) == reserved
    ok(await client.post(f"/orders/{placed[0]}/cancel", headers=hoarder.headers))
    ok(await _place(client, hoarder, world.variant2_id), 201)
    other = await customer(client, container, card=False)
    ok(await _place(client, other, world.variant_id), 201)


async def test_one_buyer_holds_only_so_many_units_of_a_variant_unpaid(
    client: httpx.AsyncClient, container: Container, world: World
) -> None:
    hoarder = await customer(client, container, card=False)
    at_once = await _place(client, hoarder, world.variant_id, MAX_UNITS + 1)
    assert at_once.status_code == 409, at_once.text
    assert at_once.json()["error"]["code"] == "unpaid_units_limit"
    first = ok(await _place(client, hoarder, world.variant_id, 4), 201)
    more = await _place(client, hoarder, world.variant_id, 3)
    assert more.status_code == 409, more.text
    assert more.json()["error"]["details"]["units"] == {world.variant_id: 7}
    ok(await _place(client, hoarder, world.variant_id, 2), 201)
    ok(await _place(client, hoarder, world.variant2_id, MAX_UNITS), 201)
    ok(await client.post(f"/orders/{first['id']}/cancel", headers=hoarder.headers))
    ok(await _place(client, hoarder, world.variant_id, 4), 201)


async def test_concurrent_orders_of_one_buyer_count_each_other(
    client: httpx.AsyncClient, container: Container, world: World
) -> None:
    hoarder = await customer(client, container, card=False)
    attempts = MAX_ORDERS + 4
    responses = await asyncio.gather(
        *(_place(client, hoarder, world.variant_id) for _ in range(attempts))
    )
    codes = sorted(
        str(r.status_code) if r.status_code < 400 else r.json()["error"]["code"] for r in responses
    )
    assert codes == ["201"] * MAX_ORDERS + ["too_many_unpaid_orders"] * 4
