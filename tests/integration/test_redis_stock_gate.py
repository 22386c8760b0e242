"""The Redis flash-sale path: the Lua reservation script, reconciliation, and orders through it.

Script tests talk to Redis only; the order tests run the whole app (``redis_api``) on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest
import redis.asyncio as redis_asyncio

from services.bootstrap import Container
from services.catalog.stock_reconciler import StockKeys, StockReconciler
from services.catalog.stock_redis import RedisStockGate
from services.kernel.redis import RedisGuard
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import Buyer, Shop, new_buyer, ok, open_shop, place, variant_stock

pytestmark = pytest.mark.integration

KEYS = StockKeys()


def script_gate(guard: RedisGuard) -> RedisStockGate:
    """A gate for driving the scripts directly (its reconciler is never used here)."""
    return RedisStockGate(guard, StockReconciler(guard, None, 3600.0))  # type: ignore[arg-type]


async def counter(client: redis_asyncio.Redis, variant_id: str, name: str) -> int | None:
    """``avail``, ``pending`` or ``seq`` of a variant (None when absent)."""
    value = await client.get(f"{KEYS.prefix}{variant_id}:{name}")
    return None if value is None else int(value)


async def test_redis_script_hands_out_exactly_the_stock_to_concurrent_buyers(
    redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    await gate.seed({"var_flash": 10})
    results = await asyncio.gather(*(gate.take({"var_flash": 1}) for _ in range(200)))
    assert Counter(r[0] for r in results) == {1: 10, 0: 190}
    assert await counter(redis_keys, "var_flash", "avail") == 0
    assert await counter(redis_keys, "var_flash", "pending") == 10


async def test_redis_script_takes_all_lines_or_none_under_contention(
    redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    await gate.seed({"var_a": 10, "var_b": 5})
    results = await asyncio.gather(*(gate.take({"var_a": 1, "var_b": 1}) for _ in range(30)))
    assert sum(1 for r in results if r[0] == 1) == 5
    refused = [r for r in results if r[0] == 0]
    assert all(r[1] == 2 and r[2] == 0 for r in refused)  # line 2 (var_b) ran out
    assert await counter(redis_keys, "var_a", "avail") == 5
    assert await counter(redis_keys, "var_b", "avail") == 0


async def test_redis_script_never_oversells_random_multi_line_orders(
    redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    stock = {"var_x": 37, "var_y": 23, "var_z": 11}
    await gate.seed(stock)
    rng = random.Random(7)
    orders = [
        {vid: rng.randint(1, 4) for vid in rng.sample(sorted(stock), rng.randint(1, 3))}
        for _ in range(300)
    ]
    results = await asyncio.gather(*(gate.take(dict(sorted(o.items()))) for o in orders))
    sold = Counter[str]()
    for order, result in zip(orders, results, strict=True):
        if result[0] == 1:
            sold.update(order)
    for vid, units in stock.items():
        left = await counter(redis_keys, vid, "avail")
        assert left is not None
        assert left >= 0
        assert sold[vid] + left == units


async def test_redis_script_reports_unseeded_variants_and_takes_nothing(
    redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    await gate.seed({"var_known": 3})
    assert await gate.take({"var_known": 1, "var_new": 1}) == [-1, 2]
    assert await counter(redis_keys, "var_known", "avail") == 3


async def test_redis_settle_and_compensate_keep_the_counters_exact(
    redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    await gate.seed({"var_s": 5})
    assert await gate.take({"var_s": 2}) == [1]
    await gate.settle({"var_s": 2})
    assert await counter(redis_keys, "var_s", "avail") == 3
    assert await counter(redis_keys, "var_s", "pending") is None
    assert await gate.take({"var_s": 3}) == [1]
    await gate.release({"var_s": 3}, settled=False)
    assert await counter(redis_keys, "var_s", "avail") == 3
    assert await counter(redis_keys, "var_s", "pending") is None


async def _flash_shop(client: httpx.AsyncClient, container: Container, units: int) -> Shop:
    return await open_shop(client, container, stock=[units])


async def _buyers(client: httpx.AsyncClient, count: int) -> list[Buyer]:
    made: list[Buyer] = []
    for start in range(0, count, 10):
        made += await asyncio.gather(*(new_buyer(client) for _ in range(min(10, count - start))))
    return made


def _outcome(response: httpx.Response) -> str:
    if response.status_code < 300:
        return str(response.status_code)
    return f"{response.status_code} {error_code(response)}"


async def test_redis_flash_sale_fifty_buyers_ten_units_sell_exactly_ten(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await _flash_shop(redis_api, redis_container, 10)
    variant_id = shop.variant_id(0)
    people = await _buyers(redis_api, 50)
    responses = await asyncio.gather(*(place(redis_api, b, [(variant_id, 1)]) for b in people))
    assert Counter(_outcome(r) for r in responses) == {"201": 10, "409 out_of_stock": 40}
    assert await variant_stock(redis_api, shop, variant_id) == (10, 10)
    # The first order starts a background reconciliation that may read the database between a
    # hold's settle and its commit: by design that can leave ``avail`` too high (the database
    # refuses the extra buyer), never too low. Once it is done, a reconciliation is exact.
    reconciler = redis_container.adapters.stock_reconciler
    assert reconciler is not None
    await reconciler.aclose()
    assert (await counter(redis_keys, variant_id, "avail") or 0) >= 0
    await reconciler.reconcile([variant_id])
    assert await counter(redis_keys, variant_id, "avail") == 0
    assert await counter(redis_keys, variant_id, "pending") is None


async def test_redis_flash_sale_multi_line_orders_take_all_lines_or_none(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[10, 5])
    a, b = shop.variant_id(0), shop.variant_id(1)
    people = await _buyers(redis_api, 30)
    responses = await asyncio.gather(*(place(redis_api, p, [(a, 1), (b, 1)]) for p in people))
    assert Counter(_outcome(r) for r in responses) == {"201": 5, "409 out_of_stock": 25}
    assert await variant_stock(redis_api, shop, a) == (10, 5)
    assert await variant_stock(redis_api, shop, b) == (5, 5)
    assert (await counter(redis_keys, a, "avail"), await counter(redis_keys, b, "avail")) == (5, 0)


async def test_redis_counters_that_drifted_high_still_never_oversell(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    reconciler = redis_container.adapters.stock_reconciler
    assert reconciler is not None
    shop = await _flash_shop(redis_api, redis_container, 10)
    variant_id = shop.variant_id(0)
    first = await _buyers(redis_api, 1)
    ok(await place(redis_api, first[0], [(variant_id, 1)]), 201)  # seeds the counter
    await reconciler.aclose()  # the start-up reconciliation is done; the next is 30 s away
    await redis_keys.set(f"{KEYS.prefix}{variant_id}:avail", 500)  # Redis believes in 500 units
    people = await _buyers(redis_api, 30)
    responses = await asyncio.gather(*(place(redis_api, p, [(variant_id, 1)]) for p in people))
    assert Counter(_outcome(r) for r in responses) == {"201": 9, "409 out_of_stock": 21}
    assert await variant_stock(redis_api, shop, variant_id) == (10, 10)
    # The database refused 21 orders Redis let through; each gave its unit back to Redis.
    assert await counter(redis_keys, variant_id, "avail") == 500 - 9
    assert await counter(redis_keys, variant_id, "pending") is None
    assert await reconciler.reconcile([variant_id]) == 1
    assert await counter(redis_keys, variant_id, "avail") == 0


async def test_redis_cancellation_gives_units_back_to_the_counter(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    variant_id = (await _flash_shop(redis_api, redis_container, 2)).variant_id(0)
    (buyer,) = await _buyers(redis_api, 1)
    order = ok(await place(redis_api, buyer, [(variant_id, 2)]), 201)
    assert await counter(redis_keys, variant_id, "avail") == 0
    ok(await redis_api.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    assert await counter(redis_keys, variant_id, "avail") == 2
    again = await place(redis_api, buyer, [(variant_id, 2)])
    assert again.status_code == 201, again.text


async def test_redis_restock_by_staff_reaches_the_counter(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[1])
    variant_id = shop.variant_id(0)
    (buyer,) = await _buyers(redis_api, 1)
    ok(await place(redis_api, buyer, [(variant_id, 1)]), 201)
    refused = await place(redis_api, buyer, [(variant_id, 1)])
    assert _outcome(refused) == "409 out_of_stock"
    patch = {"stock_delta": 4}
    ok(await redis_api.patch(f"/variants/{variant_id}", json=patch, headers=shop.admin.headers))
    assert await counter(redis_keys, variant_id, "avail") == 4
    assert (await place(redis_api, buyer, [(variant_id, 4)])).status_code == 201


async def test_redis_reconciler_skips_a_variant_whose_counters_moved_while_reading(
    redis_container: Container, redis_guard: RedisGuard, redis_keys: redis_asyncio.Redis
) -> None:
    gate = script_gate(redis_guard)
    await gate.seed({"var_busy": 4})
    reconciler = StockReconciler(redis_guard, redis_container.sessions, 3600.0)
    seq_before = await counter(redis_keys, "var_busy", "seq")
    await gate.take({"var_busy": 1})  # a reservation lands between the read and the write
    assert await reconciler.reset("var_busy", str(seq_before), 99) is False
    assert await counter(redis_keys, "var_busy", "avail") == 3
