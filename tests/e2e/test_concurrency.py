"""Stock, payments and coupons under concurrent requests (counted, not timed).

Runs on every backend of the e2e ``database_url`` fixture: SQLite, and PostgreSQL when
``DOMTOK_TEST_DATABASE_URL`` names one (a fresh database per test).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from services.bootstrap import Container
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import (
    Buyer,
    Shop,
    add_gift_card,
    gift_balance,
    new_buyer,
    ok,
    open_shop,
    place,
    variant_stock,
)


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client; requests sent with asyncio.gather really interleave."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/api/v1", timeout=120
    ) as http:
        yield http


async def buyers(client: httpx.AsyncClient, count: int) -> list[Buyer]:
    """``count`` customers with an address and a card, signed up a few at a time."""
    made: list[Buyer] = []
    for start in range(0, count, 10):
        made += await asyncio.gather(*(new_buyer(client) for _ in range(min(10, count - start))))
    return made


def outcome(response: httpx.Response) -> str:
    """``201`` / ``200`` for success, else the status and error code."""
    if response.status_code < 300:
        return str(response.status_code)
    return f"{response.status_code} {error_code(response)}"


async def test_fifty_buyers_racing_for_ten_units_never_oversell(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[10])
    people = await buyers(client, 50)
    responses = await asyncio.gather(
        *(place(client, buyer, [(shop.variant_id(0), 1)]) for buyer in people)
    )
    assert Counter(outcome(r) for r in responses) == {"201": 10, "409 out_of_stock": 40}
    assert await variant_stock(client, shop, shop.variant_id(0)) == (10, 10)
    sold = sum(r.json()["lines"][0]["quantity"] for r in responses if r.status_code == 201)
    assert sold == 10


async def test_multi_line_orders_under_contention_take_all_lines_or_none(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[10, 5])
    people = await buyers(client, 30)
    items = [(shop.variant_id(0), 1), (shop.variant_id(1), 1)]
    responses = await asyncio.gather(*(place(client, buyer, items) for buyer in people))
    assert Counter(outcome(r) for r in responses) == {"201": 5, "409 out_of_stock": 25}
    assert await variant_stock(client, shop, shop.variant_id(0)) == (10, 5)
    assert await variant_stock(client, shop, shop.variant_id(1)) == (5, 5)


async def test_cancellations_racing_new_orders_keep_stock_consistent(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[10])
    first = await buyers(client, 10)
    placed = [ok(await place(client, b, [(shop.variant_id(0), 1)]), 201) for b in first]
    late = await buyers(client, 20)
    cancels = [
        client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers)
        for buyer, order in zip(first, placed, strict=True)
    ]
    orders = [place(client, buyer, [(shop.variant_id(0), 1)]) for buyer in late]
    results = await asyncio.gather(*cancels, *orders)
    assert all(r.status_code == 200 for r in results[:10])
    won = sum(1 for r in results[10:] if r.status_code == 201)
    assert all(outcome(r) in ("201", "409 out_of_stock") for r in results[10:])
    assert 0 <= won <= 10
    assert await variant_stock(client, shop, shop.variant_id(0)) == (10, won)


async def _order_and_gift(
    client: httpx.AsyncClient, container: Container
) -> tuple[Shop, Buyer, str, str]:
    shop = await open_shop(client, container, stock=[10], prices=[2500])
    (buyer,) = await buyers(client, 1)
    gift = await add_gift_card(client, shop, buyer, 10_000)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)]), 201)
    return shop, buyer, gift, str(order["id"])


async def _token(client: httpx.AsyncClient, buyer: Buyer, order_id: str) -> str:
    body = ok(await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers), 201)
    return str(body["payment_token"])


async def _charges(client: httpx.AsyncClient, buyer: Buyer, order_id: str) -> list[int]:
    order = ok(await client.get(f"/orders/{order_id}", headers=buyer.headers))
    return [p["amount"]["amount"] for p in order["payments"] if p["status"] == "succeeded"]


async def test_twenty_concurrent_pays_with_one_key_charge_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, buyer, gift, order_id = await _order_and_gift(client, container)
    token = await _token(client, buyer, order_id)
    body = {"payment_method_id": gift, "payment_token": token}
    headers = {**buyer.headers, "Idempotency-Key": "the-one-key"}
    responses = await asyncio.gather(
        *(client.post(f"/orders/{order_id}/pay", json=body, headers=headers) for _ in range(20))
    )
    outcomes = Counter(outcome(r) for r in responses)
    assert set(outcomes) <= {"200", "409 idempotency_in_flight"}
    assert outcomes["200"] >= 1
    fresh = [
        r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers
    ]
    assert len(fresh) == 1
    assert all(r.json() == fresh[0].json() for r in responses if r.status_code == 200)
    assert await _charges(client, buyer, order_id) == [5000]
    assert await gift_balance(client, buyer.headers, gift) == 5000
    replay = await client.post(f"/orders/{order_id}/pay", json=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"


async def test_twenty_concurrent_pays_with_different_keys_still_capture_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, buyer, gift, order_id = await _order_and_gift(client, container)
    tokens = [await _token(client, buyer, order_id) for _ in range(20)]
    calls = [
        client.post(
            f"/orders/{order_id}/pay",
            json={"payment_method_id": gift, "payment_token": token},
            headers={**buyer.headers, "Idempotency-Key": f"key-{n}"},
        )
        for n, token in enumerate(tokens)
    ]
    outcomes = Counter(outcome(r) for r in await asyncio.gather(*calls))
    assert outcomes["200"] == 1
    assert set(outcomes) <= {"200", "409 invalid_transition", "409 already_paid"}
    assert await _charges(client, buyer, order_id) == [5000]
    assert await gift_balance(client, buyer.headers, gift) == 5000


async def test_a_single_use_coupon_is_spent_once_by_concurrent_orders(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[50])
    code = f"ONCE{secrets.token_hex(3).upper()}"
    coupon = {
        "code": code,
        "kind": "amount_off",
        "amount_off": 500,
        "expires_at": "2999-01-01T00:00:00Z",
    }
    ok(await client.post("/coupons", json=coupon, headers=shop.admin.headers), 201)
    (buyer,) = await buyers(client, 1)
    ok(await client.post(f"/coupons/{code}/claim", headers=buyer.headers), 201)
    responses = await asyncio.gather(
        *(place(client, buyer, [(shop.variant_id(0), 1)], coupon_code=code) for _ in range(10))
    )
    assert Counter(outcome(r) for r in responses) == {"201": 1, "409 coupon_used_up": 9}
    assert await variant_stock(client, shop, shop.variant_id(0)) == (50, 1)
