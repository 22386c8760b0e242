"""Staff edits racing shoppers: stock and price changes stay consistent on every backend.

On PostgreSQL these read-check-write sequences need the variant's row lock; on SQLite writers
are serialised anyway. Counted outcomes, never timings.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from services.bootstrap import Container
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import new_buyer, ok, open_shop, place, variant_stock


def outcome(response: httpx.Response) -> str:
    """The status, and the error code of a refusal."""
    if response.status_code < 300:
        return str(response.status_code)
    return f"{response.status_code} {error_code(response)}"


async def test_stock_cuts_racing_orders_never_drop_stock_below_reservations(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[10])
    variant_id = shop.variant_id(0)
    people = [await new_buyer(client) for _ in range(10)]
    cut = {"stock_delta": -1}
    cuts = [
        client.patch(f"/variants/{variant_id}", json=cut, headers=shop.admin.headers)
        for _ in range(10)
    ]
    orders = [place(client, buyer, [(variant_id, 1)]) for buyer in people]
    results = await asyncio.gather(*cuts, *orders)
    cut_outcomes = Counter(outcome(r) for r in results[:10])
    order_outcomes = Counter(outcome(r) for r in results[10:])
    assert set(cut_outcomes) <= {"200", "409 stock_below_reserved"}
    assert set(order_outcomes) <= {"201", "409 out_of_stock"}
    on_hand, reserved = await variant_stock(client, shop, variant_id)
    assert (on_hand, reserved) == (10 - cut_outcomes["200"], order_outcomes["201"])
    assert on_hand >= reserved
    assert cut_outcomes["200"] + order_outcomes["201"] == 10


async def test_concurrent_price_changes_each_get_their_own_version(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[5], prices=[1000])
    variant_id = shop.variant_id(0)
    changes = [
        client.patch(
            f"/variants/{variant_id}",
            json={"price": {"amount": 1001 + n}},
            headers=shop.admin.headers,
        )
        for n in range(10)
    ]
    assert Counter(r.status_code for r in await asyncio.gather(*changes)) == {200: 10}
    history = ok(await client.get(f"/variants/{variant_id}/price-history"))
    assert sorted(change["version"] for change in history) == list(range(1, 12))
