"""Abuse of the shop's own rules by signed-in users: coupons that discount another shop's goods,
and unpaid orders that hold a variant's stock away from every other buyer."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from config.settings import Settings
from tests.reliability.world import World, ok


@pytest.fixture
def world(world_copy: tuple[Settings, World]) -> World:
    """This test's copy of the world."""
    return world_copy[1]


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


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
