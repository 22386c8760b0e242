"""Coupons through HTTP: creating, claiming, listing, and redeeming them on orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.bootstrap import Container
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import Buyer, Shop, new_buyer, ok, open_shop, pay, place

SOON = (datetime.now(UTC) + timedelta(days=7)).isoformat()


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """One product with a $25.00 and a $30.00 variant."""
    return await open_shop(client, container, stock=[20, 20], prices=[2500, 3000])


def coupon_body(code: str, **extra: Any) -> dict[str, Any]:
    """$10 off, no minimum, shop-wide, one use."""
    return {"code": code, "kind": "amount_off", "amount_off": 1000, "expires_at": SOON, **extra}


async def create(client: httpx.AsyncClient, shop: Shop, **body: Any) -> dict[str, Any]:
    """POST /coupons as the shop's admin."""
    code = body.pop("code", f"C{abs(hash(str(body))) % 10**8}")
    response = await client.post(
        "/coupons", json=coupon_body(code, **body), headers=shop.admin.headers
    )
    return dict(ok(response, 201))


async def claim(client: httpx.AsyncClient, buyer: Buyer, code: str) -> httpx.Response:
    """POST /coupons/{code}/claim."""
    return await client.post(f"/coupons/{code}/claim", headers=buyer.headers)


async def test_staff_create_coupons_and_shoppers_cannot(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    created = await create(client, shop, code="welcome10", min_spend=5000)
    assert created["code"] == "WELCOME10"
    assert created["amount_off"]["formatted"] == "$10.00"
    assert created["min_spend"]["amount"] == 5000
    buyer = await new_buyer(client)
    response = await client.post("/coupons", json=coupon_body("MINE"), headers=buyer.headers)
    assert response.status_code == 403
    duplicate = await client.post(
        "/coupons", json=coupon_body("WELCOME10"), headers=shop.admin.headers
    )
    assert duplicate.status_code == 409
    assert error_code(duplicate) == "duplicate_coupon"


@pytest.mark.parametrize(
    "changes",
    [
        {"percent_off": 10},
        {"kind": "percent_off"},
        {"kind": "percent_off", "amount_off": None, "percent_off": 101},
        {"scope": "category"},
        {"scope_id": "cat_x"},
        {"code": "no spaces"},
        {"expires_at": "2030-01-01T00:00:00"},
        {"claim_deadline": "2999-01-01T00:00:00Z"},
        {"uses_per_user": 0},
    ],
)
async def test_inconsistent_coupons_are_422(
    client: httpx.AsyncClient, shop: Shop, changes: dict[str, Any]
) -> None:
    body = {**coupon_body("BAD1"), **changes}
    response = await client.post("/coupons", json=body, headers=shop.admin.headers)
    assert response.status_code == 422


async def test_a_scope_must_name_an_existing_category_or_product(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = coupon_body("SCOPED", scope="product", scope_id="prd_missing")
    response = await client.post("/coupons", json=body, headers=shop.admin.headers)
    assert response.status_code == 400
    assert error_code(response) == "invalid_coupon_scope"


async def test_claiming_lists_the_coupon_as_mine_once(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="SPRING")
    buyer = await new_buyer(client)
    listing = ok(await client.get("/coupons", headers=buyer.headers))
    assert "SPRING" in [c["code"] for c in listing["items"]]
    mine = ok(await claim(client, buyer, "spring"), 201)
    assert (mine["uses"], mine["uses_left"], mine["usable"]) == (0, 1, True)
    again = await claim(client, buyer, "SPRING")
    assert again.status_code == 409
    assert error_code(again) == "coupon_already_claimed"
    page = ok(await client.get("/users/me/coupons", headers=buyer.headers))
    assert [c["coupon"]["code"] for c in page["items"]] == ["SPRING"]
    assert (await claim(client, buyer, "NOPE")).status_code == 404
    assert (await client.get("/users/me/coupons")).status_code == 401


async def test_coupons_past_their_claim_deadline_cannot_be_claimed(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await create(client, shop, code="LATE", claim_deadline=past)
    buyer = await new_buyer(client)
    response = await claim(client, buyer, "LATE")
    assert response.status_code == 409
    assert error_code(response) == "coupon_claim_closed"
    listing = ok(await client.get("/coupons", headers=buyer.headers))
    assert "LATE" not in [c["code"] for c in listing["items"]]


async def test_an_order_applies_a_claimed_coupon_once(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="TENOFF", min_spend=4000)
    buyer = await new_buyer(client)
    ok(await claim(client, buyer, "TENOFF"), 201)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)], coupon_code="tenoff"), 201)
    assert order["coupon"] == "TENOFF"
    assert (order["subtotal"]["amount"], order["discount"]["amount"]) == (5000, 1000)
    assert order["total"]["amount"] == 4000
    again = await place(client, buyer, [(shop.variant_id(0), 2)], coupon_code="TENOFF")
    assert again.status_code == 409
    assert error_code(again) == "coupon_used_up"
    mine = ok(await client.get("/users/me/coupons", headers=buyer.headers))
    assert mine["items"][0]["uses_left"] == 0


async def test_an_unclaimed_or_unmet_coupon_is_refused_and_nothing_is_reserved(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="BIGSPEND", min_spend=100_000)
    buyer = await new_buyer(client)
    unclaimed = await place(client, buyer, [(shop.variant_id(0), 1)], coupon_code="BIGSPEND")
    assert unclaimed.status_code == 409
    assert error_code(unclaimed) == "coupon_not_claimed"
    ok(await claim(client, buyer, "BIGSPEND"), 201)
    unmet = await place(client, buyer, [(shop.variant_id(0), 1)], coupon_code="BIGSPEND")
    assert unmet.status_code == 409
    assert error_code(unmet) == "coupon_not_applicable"
    assert "$1,000.00" in unmet.json()["error"]["message"]
    variant = ok(await client.get(f"/variants/{shop.variant_id(0)}", headers=shop.admin.headers))
    assert variant["reserved"] == 0


async def test_a_category_coupon_discounts_only_that_category(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    other = await open_shop(client, container, stock=[5], prices=[10_000])
    await create(
        client,
        shop,
        code="SHOES20",
        kind="percent_off",
        amount_off=None,
        percent_off=20,
        scope="category",
        scope_id=shop.category_id,
    )
    buyer = await new_buyer(client)
    ok(await claim(client, buyer, "SHOES20"), 201)
    items = [(shop.variant_id(0), 1), (other.variant_id(0), 1)]
    order = ok(await place(client, buyer, items, coupon_code="SHOES20"), 201)
    assert order["discount"]["amount"] == 500
    assert order["total"]["amount"] == 12_000


async def test_asking_for_the_best_coupon_applies_the_largest_discount(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="FIVE", amount_off=500)
    await create(client, shop, code="PCT30", kind="percent_off", amount_off=None, percent_off=30)
    await create(client, shop, code="UNCLAIMED", amount_off=4000)
    buyer = await new_buyer(client)
    for code in ("FIVE", "PCT30"):
        ok(await claim(client, buyer, code), 201)
    order = ok(await place(client, buyer, [(shop.variant_id(1), 1)], apply_best_coupon=True), 201)
    assert (order["coupon"], order["discount"]["amount"]) == ("PCT30", 900)
    plain = ok(await place(client, buyer, [(shop.variant_id(1), 1)], apply_best_coupon=True), 201)
    assert (plain["coupon"], plain["discount"]["amount"]) == ("FIVE", 500)
    none_left = ok(
        await place(client, buyer, [(shop.variant_id(1), 1)], apply_best_coupon=True), 201
    )
    assert (none_left["coupon"], none_left["discount"]["amount"]) == (None, 0)


async def test_cancelling_an_order_gives_its_coupon_use_back(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="BACKAGAIN")
    buyer = await new_buyer(client)
    ok(await claim(client, buyer, "BACKAGAIN"), 201)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)], coupon_code="BACKAGAIN"), 201)
    ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    again = ok(await place(client, buyer, [(shop.variant_id(0), 1)], coupon_code="BACKAGAIN"), 201)
    assert again["discount"]["amount"] == 1000


async def test_the_coupon_list_is_paged(client: httpx.AsyncClient, shop: Shop) -> None:
    for n in range(3):
        await create(client, shop, code=f"PAGE{n}")
    buyer = await new_buyer(client)
    first = ok(await client.get("/coupons?page=1&page_size=2", headers=buyer.headers))
    assert len(first["items"]) == 2
    assert first["total"] >= 3
    bad = await client.get("/coupons?page_size=500", headers=buyer.headers)
    assert bad.status_code == 422


async def test_an_order_a_coupon_makes_free_is_paid_without_a_charge(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await create(client, shop, code="FREEBIE", amount_off=10_000)
    buyer = await new_buyer(client)
    ok(await claim(client, buyer, "FREEBIE"), 201)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)], coupon_code="FREEBIE"), 201)
    assert (order["discount"]["amount"], order["total"]["amount"]) == (2500, 0)
    paid = ok(await pay(client, buyer, order["id"]))
    assert paid["status"] == "paid"
    assert paid["payments"] == []
