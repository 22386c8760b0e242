"""Each Redis adapter against the real Redis: rate limits, idempotency records, revocations and
single-use payment tokens, through the adapters and through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as redis_asyncio

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.clock import FrozenClock
from services.kernel.idempotency import (
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    SqlIdempotencyStore,
    StoredResponse,
)
from services.kernel.idempotency_redis import RedisIdempotencyStore
from services.kernel.ratelimit import InMemoryRateLimiter
from services.kernel.ratelimit_redis import RedisRateLimiter
from services.kernel.redis import RedisGuard
from services.payments.errors import InvalidPaymentToken, PaymentTokenUsed
from services.payments.service import hash_token
from services.payments.token_gate_redis import RedisPaymentTokenGate
from services.users.revocations_redis import PREFIX as REVOKED
from services.users.revocations_redis import SYNCED
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import new_buyer, ok, open_shop, place

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def limiter(guard: RedisGuard, clock: FrozenClock, limit: int = 3) -> RedisRateLimiter:
    fallback = InMemoryRateLimiter(limit, timedelta(minutes=1), clock)
    return RedisRateLimiter(guard, limit, timedelta(minutes=1), clock, fallback)


async def test_redis_rate_limiter_refuses_past_the_limit_until_the_window_slides(
    redis_guard: RedisGuard,
) -> None:
    clock = FrozenClock(NOW)
    limits = limiter(redis_guard, clock)
    assert [await limits.hit("login:a") for _ in range(4)] == [True, True, True, False]
    assert await limits.hit("login:b") is True
    clock.advance(seconds=59)
    assert await limits.hit("login:a") is False
    clock.advance(seconds=2)
    assert await limits.hit("login:a") is True


async def test_redis_rate_limiter_is_shared_by_every_process(redis_guard: RedisGuard) -> None:
    clock = FrozenClock(NOW)
    first, second = limiter(redis_guard, clock), limiter(redis_guard, clock)
    assert [await first.hit("refund:u1") for _ in range(3)] == [True, True, True]
    assert await second.hit("refund:u1") is False


async def test_redis_login_limit_holds_across_two_api_processes(
    redis_api: httpx.AsyncClient, redis_settings: Settings
) -> None:
    limit = redis_settings.login_failures_per_account_client
    wrong = {"email": "nobody@example.com", "password": "wrong password"}
    for _ in range(limit):
        assert (await redis_api.post("/auth/login", json=wrong)).status_code == 401
    other = bootstrap(redis_settings)  # a second API process on the same Redis
    try:
        transport = httpx.ASGITransport(app=create_app(container=other))
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as http:
            refused = await http.post("/auth/login", json=wrong)
        assert (refused.status_code, error_code(refused)) == (429, "too_many_login_attempts")
    finally:
        await other.aclose()


async def test_redis_idempotency_store_claims_replays_and_refuses_misuse(
    redis_guard: RedisGuard, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    store = RedisIdempotencyStore(redis_guard, SqlIdempotencyStore(redis_container.sessions))
    assert await store.claim("usr_1", "k1", "print-a", NOW) is None
    with pytest.raises(IdempotencyInFlight):
        await store.claim("usr_1", "k1", "print-a", NOW)
    assert 0 < await redis_keys.pttl("domtok:idem:usr_1:k1") <= 5 * 60_000
    await store.finish("usr_1", "k1", StoredResponse(200, {"items": [], "total": 0}))
    replay = await store.claim("usr_1", "k1", "print-a", NOW)
    assert replay == StoredResponse(200, {"items": [], "total": 0})
    assert await redis_keys.pttl("domtok:idem:usr_1:k1") > 23 * 3600_000
    with pytest.raises(IdempotencyKeyMismatch):
        await store.claim("usr_1", "k1", "print-b", NOW)
    assert await store.claim("usr_2", "k1", "print-a", NOW) is None  # keys are per user
    await store.release("usr_2", "k1")
    assert await store.claim("usr_2", "k1", "print-a", NOW) is None  # released: claim again


async def test_redis_idempotency_replays_a_payment_through_the_api(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[5])
    buyer = await new_buyer(redis_api)
    order = ok(await place(redis_api, buyer, [(shop.variant_id(0), 1)]), 201)
    url = f"/orders/{order['id']}"
    token = ok(await redis_api.post(f"{url}/payment-token", headers=buyer.headers), 201)
    body = {"payment_method_id": buyer.methods["ok"], "payment_token": token["payment_token"]}
    headers = {**buyer.headers, "Idempotency-Key": "pay-once"}
    first = await redis_api.post(f"{url}/pay", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert await redis_keys.exists(f"domtok:idem:{buyer.session.user_id}:pay-once") == 1
    again = await redis_api.post(f"{url}/pay", json=body, headers=headers)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert again.json() == first.json()
    other = {**body, "payment_method_id": "pm_other"}
    misuse = await redis_api.post(f"{url}/pay", json=other, headers=headers)
    assert (misuse.status_code, error_code(misuse)) == (422, "idempotency_key_reused")


async def test_redis_revocation_is_answered_by_redis_and_survives_lost_keys(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    buyer = await new_buyer(redis_api)
    headers = buyer.headers
    assert (await redis_api.post("/auth/logout", headers=headers)).status_code == 204
    revoked = await redis_api.get("/users/me", headers=headers)
    assert (revoked.status_code, error_code(revoked)) == (401, "token_revoked")
    keys = await redis_keys.keys(f"{REVOKED}*")
    assert len(keys) == 1
    await redis_keys.delete(keys[0], SYNCED)  # as after a Redis restart
    again = await redis_api.get("/users/me", headers=headers)
    assert (again.status_code, error_code(again)) == (401, "token_revoked")  # the database knew
    assert await redis_keys.exists(keys[0], SYNCED) == 2  # and Redis was refilled from it


async def test_redis_payment_token_is_single_use_and_given_back_on_rollback(
    redis_settings: Settings, redis_keys: redis_asyncio.Redis
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    settings = redis_settings.model_copy(
        update={"payment_token_minutes": 1, "order_expiry_minutes": 60}
    )
    container = bootstrap(settings, clock=clock)
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as api:
            shop = await open_shop(api, container, stock=[5])
            buyer = await new_buyer(api)
            order = ok(await place(api, buyer, [(shop.variant_id(0), 1)]), 201)
            url = f"/orders/{order['id']}"
            token = ok(await api.post(f"{url}/payment-token", headers=buyer.headers), 201)
            key = f"domtok:paytoken:{hash_token(token['payment_token'])}"
            stored = await redis_keys.hgetall(key)
            assert stored[b"order"] == order["id"].encode()
            assert stored[b"used"] == b"0"
            body = {
                "payment_method_id": buyer.methods["ok"],
                "payment_token": token["payment_token"],
            }

            clock.advance(minutes=2)  # expired for the database, not yet for Redis
            late = await api.post(
                f"{url}/pay", json=body, headers={**buyer.headers, "Idempotency-Key": "a"}
            )
            assert error_code(late) == "payment_token_expired"
            assert await redis_keys.hget(key, "used") == b"0"  # the rollback gave it back

            fresh = ok(await api.post(f"{url}/payment-token", headers=buyer.headers), 201)
            body["payment_token"] = fresh["payment_token"]
            first = await api.post(
                f"{url}/pay", json=body, headers={**buyer.headers, "Idempotency-Key": "b"}
            )
            assert first.status_code == 200, first.text
            fresh_key = f"domtok:paytoken:{hash_token(fresh['payment_token'])}"
            assert await redis_keys.hget(fresh_key, "used") == b"1"
    finally:
        await container.aclose()


async def test_redis_payment_token_gate_refuses_reuse_and_other_orders_at_once(
    redis_guard: RedisGuard, redis_container: Container
) -> None:
    gate = RedisPaymentTokenGate(redis_guard)
    await gate.remember("hash-1", "ord_1", "usr_1", datetime.now(UTC) + timedelta(minutes=5))
    async with redis_container.uow() as uow:
        with pytest.raises(InvalidPaymentToken):
            await gate.take(uow, "hash-1", "ord_2", "usr_1")
        await gate.take(uow, "hash-1", "ord_1", "usr_1")
        await uow.commit()
    async with redis_container.uow() as uow:
        with pytest.raises(PaymentTokenUsed):
            await gate.take(uow, "hash-1", "ord_1", "usr_1")
        await gate.take(uow, "hash-unknown", "ord_1", "usr_1")  # unknown: the database decides
