"""Checkout under lock contention: a buyer who loses the last unit while waiting for its row
gets a clean refusal and no partial order; orders sharing variants never deadlock.

Runs on SQLite and, when ``DOMTOK_TEST_DATABASE_URL`` names one, PostgreSQL; the row-lock test
needs PostgreSQL's row locks (SQLite serialises whole transactions instead).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import text

from services.bootstrap import Container
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import new_buyer, ok, open_shop, place, variant_stock


async def test_a_buyer_queued_behind_the_last_unit_gets_out_of_stock_and_no_order(
    client: httpx.AsyncClient, container: Container
) -> None:
    if not container.settings.database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite takes one write lock per transaction")
    shop = await open_shop(client, container, stock=[1])
    buyer = await new_buyer(client)
    variant = {"id": shop.variant_id(0)}
    async with container.engine.connect() as other:
        # Another checkout holds the last unit's row, not yet committed.
        holder = await other.begin()
        await other.execute(
            text("UPDATE variants SET reserved = reserved + 1 WHERE id = :id"), variant
        )
        pending = asyncio.create_task(place(client, buyer, [(shop.variant_id(0), 1)]))
        await asyncio.sleep(0.5)
        assert not pending.done(), "the buyer should be waiting for the row"
        await holder.commit()
    response = await asyncio.wait_for(pending, 30)
    assert response.status_code == 409
    assert error_code(response) == "out_of_stock"
    # The order and its lines were written before the stock was reserved: all rolled back.
    assert ok(await client.get("/orders", headers=buyer.headers))["total"] == 0
    assert await variant_stock(client, shop, shop.variant_id(0)) == (1, 1)


async def test_orders_naming_shared_variants_in_opposite_orders_all_succeed(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[100, 100, 100])
    a, b, c = (shop.variant_id(i) for i in range(3))
    people = [await new_buyer(client) for _ in range(12)]
    baskets = [[(a, 1), (b, 1), (c, 1)], [(c, 1), (b, 1), (a, 1)], [(b, 2), (a, 1)]]
    responses = await asyncio.gather(
        *(place(client, buyer, baskets[n % 3]) for n, buyer in enumerate(people))
    )
    assert Counter(r.status_code for r in responses) == {201: 12}
    assert await variant_stock(client, shop, a) == (100, 12)
    assert await variant_stock(client, shop, b) == (100, 16)
    assert await variant_stock(client, shop, c) == (100, 8)
