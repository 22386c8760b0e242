"""The cart through HTTP: merging, limits, flags, totals at current prices, isolation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.bootstrap import Container
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tests.e2e.conftest import error_code


@pytest.fixture
async def merchant(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "merchant")


@pytest.fixture
async def shopper(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "customer")


@pytest.fixture
async def tee(client: httpx.AsyncClient, merchant: SignedIn) -> dict[str, Any]:
    """A T-shirt: blue ($20, 5 in stock), red ($25, 200 in stock), green (not sold)."""
    category = await create_category(client, merchant, "Clothing")
    return await create_product(
        client,
        merchant,
        category["id"],
        "T-Shirt",
        [
            variant({"color": "blue"}, 2000, on_hand=5),
            variant({"color": "red"}, 2500, on_hand=200),
            variant({"color": "green"}, 2200, is_available=False),
        ],
    )


def ids(tee: dict[str, Any]) -> tuple[str, str, str]:
    blue, red, green = (v["id"] for v in tee["variants"])
    return blue, red, green


async def add(
    client: httpx.AsyncClient, who: SignedIn, variant_id: str, quantity: int
) -> httpx.Response:
    body = {"variant_id": variant_id, "quantity": quantity}
    return await client.post("/cart/items", json=body, headers=who.headers)


async def test_cart_needs_a_login(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/cart"),
        await client.post("/cart/items", json={"variant_id": "v", "quantity": 1}),
        await client.patch("/cart/items/v", json={"quantity": 1}),
        await client.delete("/cart/items/v"),
        await client.delete("/cart"),
    ):
        assert (response.status_code, error_code(response)) == (401, "unauthorized")


async def test_new_cart_is_empty(client: httpx.AsyncClient, shopper: SignedIn) -> None:
    cart = (await client.get("/cart", headers=shopper.headers)).json()
    assert cart["lines"] == []
    assert (cart["item_count"], cart["total"]["formatted"], cart["has_issues"]) == (
        0,
        "$0.00",
        False,
    )


async def test_adding_twice_merges_into_one_line_with_totals(
    client: httpx.AsyncClient, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, red, _ = ids(tee)
    await add(client, shopper, blue, 1)
    await add(client, shopper, blue, 2)
    cart = (await add(client, shopper, red, 1)).json()
    assert [(line["variant_id"], line["quantity"]) for line in cart["lines"]] == [
        (blue, 3),
        (red, 1),
    ]
    assert cart["lines"][0]["line_total"] == {
        "amount": 6000,
        "currency": "USD",
        "formatted": "$60.00",
    }
    assert cart["lines"][0]["options"] == {"color": "blue"}
    assert (cart["total"]["amount"], cart["item_count"]) == (8500, 4)


async def test_merged_quantity_may_not_pass_99(
    client: httpx.AsyncClient, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    _, red, _ = ids(tee)
    assert (await add(client, shopper, red, 98)).status_code == 200
    over = await add(client, shopper, red, 2)
    assert (over.status_code, error_code(over)) == (422, "invalid_quantity")
    assert (await add(client, shopper, red, 1)).json()["lines"][0]["quantity"] == 99


@pytest.mark.parametrize("quantity", [0, -1, 100])
async def test_quantity_outside_1_to_99_is_422(
    client: httpx.AsyncClient, shopper: SignedIn, tee: dict[str, Any], quantity: int
) -> None:
    blue, _, _ = ids(tee)
    assert (await add(client, shopper, blue, quantity)).status_code == 422
    await add(client, shopper, blue, 1)
    patched = await client.patch(
        f"/cart/items/{blue}", json={"quantity": quantity}, headers=shopper.headers
    )
    assert patched.status_code == 422


async def test_unknown_unavailable_or_short_variants_are_refused(
    client: httpx.AsyncClient, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, _, green = ids(tee)
    answers = [
        await add(client, shopper, "var_missing", 1),
        await add(client, shopper, green, 1),
        await add(client, shopper, blue, 6),
    ]
    assert [(r.status_code, error_code(r)) for r in answers] == [
        (404, "variant_not_found"),
        (409, "variant_unavailable"),
        (409, "insufficient_stock"),
    ]
    extra = await client.post(
        "/cart/items", json={"variant_id": blue, "quantity": 1, "x": 1}, headers=shopper.headers
    )
    assert extra.status_code == 422


async def test_quantity_can_be_set_and_lines_removed(
    client: httpx.AsyncClient, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, red, _ = ids(tee)
    await add(client, shopper, blue, 1)
    await add(client, shopper, red, 1)
    setq = await client.patch(f"/cart/items/{red}", json={"quantity": 4}, headers=shopper.headers)
    assert setq.json()["total"]["amount"] == 2000 + 4 * 2500
    removed = await client.delete(f"/cart/items/{blue}", headers=shopper.headers)
    assert [line["variant_id"] for line in removed.json()["lines"]] == [red]
    missing = await client.delete(f"/cart/items/{blue}", headers=shopper.headers)
    assert (missing.status_code, error_code(missing)) == (404, "cart_item_not_found")
    cleared = await client.delete("/cart", headers=shopper.headers)
    assert cleared.json()["lines"] == []


async def test_another_users_cart_is_invisible(
    client: httpx.AsyncClient, container: Container, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, _, _ = ids(tee)
    await add(client, shopper, blue, 2)
    other = await sign_in(client, container, "customer")
    assert (await client.get("/cart", headers=other.headers)).json()["lines"] == []
    patched = await client.patch(f"/cart/items/{blue}", json={"quantity": 1}, headers=other.headers)
    deleted = await client.delete(f"/cart/items/{blue}", headers=other.headers)
    assert (patched.status_code, deleted.status_code) == (404, 404)
    await client.delete("/cart", headers=other.headers)
    assert (await client.get("/cart", headers=shopper.headers)).json()["lines"][0]["quantity"] == 2


async def test_lines_follow_current_prices_and_flag_problems(
    client: httpx.AsyncClient, merchant: SignedIn, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, red, _ = ids(tee)
    await add(client, shopper, blue, 4)
    await add(client, shopper, red, 1)
    headers = merchant.headers
    await client.patch(f"/variants/{blue}", json={"on_hand": 2}, headers=headers)
    await client.patch(f"/variants/{red}", json={"price": {"amount": 3000}}, headers=headers)
    cart = (await client.get("/cart", headers=shopper.headers)).json()
    short, repriced = cart["lines"]
    assert (short["short_of_stock"], short["available"], short["unavailable"]) == (True, 2, False)
    assert repriced["unit_price"]["amount"] == 3000
    assert cart["has_issues"] is True
    lowered = await client.patch(
        f"/cart/items/{blue}", json={"quantity": 3}, headers=shopper.headers
    )
    assert lowered.status_code == 200
    raised = await client.patch(
        f"/cart/items/{blue}", json={"quantity": 4}, headers=shopper.headers
    )
    assert error_code(raised) == "insufficient_stock"
    await client.patch(f"/variants/{red}", json={"is_available": False}, headers=headers)
    cart = (await client.get("/cart", headers=shopper.headers)).json()
    assert cart["lines"][1]["unavailable"] is True
    assert cart["total"]["amount"] == 3 * 2000


async def test_deleted_product_leaves_an_unavailable_line(
    client: httpx.AsyncClient, merchant: SignedIn, shopper: SignedIn, tee: dict[str, Any]
) -> None:
    blue, _, _ = ids(tee)
    await add(client, shopper, blue, 1)
    await client.delete(f"/products/{tee['id']}", headers=merchant.headers)
    line = (await client.get("/cart", headers=shopper.headers)).json()["lines"][0]
    assert (line["unavailable"], line["short_of_stock"]) == (True, False)
    again = await add(client, shopper, blue, 1)
    assert error_code(again) == "variant_not_found"
