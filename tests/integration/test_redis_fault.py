"""Redis stops in the middle of trading and comes back empty: the shop keeps selling on the
database path without overselling, and every Redis adapter recovers after the restart.

Stops and starts the real server with ``scripts/services/services.sh`` (it keeps no data, so the
restarted Redis is empty, as after a crash).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import redis.asyncio as redis_asyncio

from services.bootstrap import Container
from services.catalog.stock_reconciler import StockKeys
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import Buyer, new_buyer, ok, open_shop, place
from tests.integration.stack import services, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def restart_redis_afterwards() -> Iterator[None]:
    """Whatever happens in the test, Redis runs again after it."""
    yield
    services("start", "redis")


def outcome(response: httpx.Response) -> str:
    """The status, and the error code of a refusal."""
    return str(response.status_code) if response.status_code < 300 else error_code(response)


async def pay_request(
    api: httpx.AsyncClient, buyer: Buyer, order_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    """A pay request's body (with a fresh token) and headers (key ``pay-<order id>``)."""
    token = ok(await api.post(f"/orders/{order_id}/payment-token", headers=buyer.headers), 201)
    body = {"payment_method_id": buyer.methods["ok"], "payment_token": token["payment_token"]}
    return body, {**buyer.headers, "Idempotency-Key": f"pay-{order_id}"}


async def test_redis_outage_orders_fall_back_to_the_database_and_adapters_recover(
    redis_api: httpx.AsyncClient,
    redis_container: Container,
    redis_keys: redis_asyncio.Redis,
    restart_redis_afterwards: None,
) -> None:
    guard = redis_container.adapters.redis
    assert guard is not None
    shop = await open_shop(redis_api, redis_container, stock=[6])
    variant = shop.variant_id(0)
    first = await new_buyer(redis_api)
    people = [await new_buyer(redis_api) for _ in range(10)]
    ok(await place(redis_api, first, [(variant, 1)]), 201)
    avail_key = f"{StockKeys.prefix}{variant}:avail"
    assert await redis_keys.get(avail_key) == b"5"

    services("stop", "redis")

    # Down: ten buyers race for the 5 units left, on the database path alone.
    results = await asyncio.gather(*(place(redis_api, p, [(variant, 1)]) for p in people))
    assert Counter(outcome(r) for r in results) == {"201": 5, "out_of_stock": 5}
    assert not guard.healthy
    placed = {
        r.json()["id"]: p for p, r in zip(people, results, strict=True) if r.status_code == 201
    }
    (paid_id, payer), (cancel_id, canceller) = list(placed.items())[:2]
    body, headers = await pay_request(redis_api, payer, paid_id)
    paid = await redis_api.post(f"/orders/{paid_id}/pay", json=body, headers=headers)
    assert paid.status_code == 200, paid.text  # its idempotency record went to SQL
    assert (await redis_api.post("/auth/logout", headers=first.headers)).status_code == 204
    page = ok(await redis_api.get(f"/products/{shop.product_id}"))
    assert page["variants"][0]["available"] == 0

    services("start", "redis")
    await wait_for(lambda: _answers(redis_keys), timeout=30, every=0.2)

    # Back, and empty: the counter is seeded from the database, which sold out. The guard skips
    # Redis for ``retry_after`` seconds after its last failure, so buyers are answered from the
    # database until a request after that window finds Redis again: wait for that, not a moment.
    async def late_buyer_refused_and_redis_in_use() -> bool:
        late = await place(redis_api, people[0], [(variant, 1)])
        assert outcome(late) == "out_of_stock"
        return guard.healthy

    await wait_for(late_buyer_refused_and_redis_in_use, timeout=30, every=0.2)
    assert await redis_keys.get(avail_key) == b"0"
    cancel = await redis_api.post(f"/orders/{cancel_id}/cancel", headers=canceller.headers)
    assert cancel.status_code == 200, cancel.text
    assert await redis_keys.get(avail_key) == b"1"  # reconciled from the database
    assert (await place(redis_api, people[0], [(variant, 1)])).status_code == 201

    # The payment made during the outage replays from its SQL record.
    replay = await redis_api.post(f"/orders/{paid_id}/pay", json=body, headers=headers)
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (200, "true")
    assert replay.json() == paid.json()
    # The token revoked during the outage stays revoked, and Redis is refilled.
    refused = await redis_api.get("/users/me", headers=first.headers)
    assert error_code(refused) == "token_revoked"
    assert await redis_keys.exists("domtok:revoked-synced") == 1
    # Failed logins are counted and product pages cached in Redis again.
    wrong = {"email": "nobody-here@example.com", "password": "not-the-password"}
    assert (await redis_api.post("/auth/login", json=wrong)).status_code == 401
    assert await redis_keys.keys("domtok:login:*")
    ok(await redis_api.get(f"/products/{shop.product_id}"))
    assert await redis_keys.keys(f"domtok:cache:product:{shop.product_id}:v[0-9]*")


async def _answers(client: redis_asyncio.Redis) -> bool:
    try:
        return bool(await client.ping())
    except Exception:
        return False
