"""Every Redis adapter keeps working when Redis is down or hangs (fakes, no I/O)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.catalog.cache_redis import RedisCatalogCache
from services.catalog.search import SearchPage, SearchQuery
from services.catalog.stock_reconciler import StockReconciler
from services.catalog.stock_redis import RedisStockGate
from services.kernel.clock import FrozenClock
from services.kernel.idempotency import InMemoryIdempotencyStore, StoredResponse
from services.kernel.idempotency_redis import RedisIdempotencyStore
from services.kernel.lockout import InMemoryFailureCounter
from services.kernel.lockout_redis import RedisFailureCounter
from services.kernel.ratelimit import InMemoryRateLimiter
from services.kernel.ratelimit_redis import RedisRateLimiter
from services.kernel.redis import RedisGuard, RedisUnavailable
from services.payments.token_gate_redis import RedisPaymentTokenGate
from services.users.revocations_redis import RedisTokenRevocations
from tests.unit.redis.fakes import DownRedis, HangingRedis, Ticks

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def down_guard(ticks: Ticks | None = None, retry_after: float = 2.0) -> RedisGuard:
    """A guard over a Redis that refuses every connection."""
    return RedisGuard(DownRedis(), timeout=0.05, retry_after=retry_after, clock=ticks or Ticks())  # type: ignore[arg-type]


async def test_guard_turns_a_failure_into_unavailable_and_logs_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = down_guard()
    with caplog.at_level(logging.WARNING), pytest.raises(RedisUnavailable):
        await guard.run("probe", lambda r: r.get("k"))
    assert not guard.healthy
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "probe" in caplog.records[0].getMessage()


async def test_guard_skips_redis_until_the_retry_time_then_tries_again() -> None:
    ticks = Ticks()
    guard = down_guard(ticks)
    client: DownRedis = guard.client  # type: ignore[assignment]
    for _ in range(3):
        with pytest.raises(RedisUnavailable):
            await guard.run("probe", lambda r: r.get("k"))
    assert client.calls == 1  # the two later calls did not wait on a dead server
    ticks.now += 2.5
    with pytest.raises(RedisUnavailable):
        await guard.run("probe", lambda r: r.get("k"))
    assert client.calls == 2


async def test_guard_gives_up_on_a_hanging_redis_after_the_timeout() -> None:
    guard = RedisGuard(HangingRedis(), timeout=0.05, retry_after=0.0)  # type: ignore[arg-type]
    with pytest.raises(RedisUnavailable):
        await guard.run("slow", lambda r: r.get("k"))


async def test_rate_limiter_counts_in_process_while_redis_is_down() -> None:
    clock = FrozenClock(NOW)
    fallback = InMemoryRateLimiter(2, timedelta(minutes=1), clock)
    limiter = RedisRateLimiter(down_guard(), 2, timedelta(minutes=1), clock, fallback)
    assert [await limiter.hit("login:a") for _ in range(3)] == [True, True, False]
    assert fallback.tracked_keys == 1


class RecordingStore(InMemoryIdempotencyStore):
    """The in-memory store standing in for SQL, with ``peek`` and a log of calls."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    async def claim(self, user_id: str, key: str, print_: str, now: datetime) -> Any:
        self.log.append(f"claim {key}")
        return await super().claim(user_id, key, print_, now)

    async def finish(self, user_id: str, key: str, response: StoredResponse) -> None:
        self.log.append(f"finish {key}")
        await super().finish(user_id, key, response)

    async def release(self, user_id: str, key: str) -> None:
        self.log.append(f"release {key}")
        await super().release(user_id, key)

    async def peek(self, user_id: str, key: str, now: datetime) -> Any:
        found = self._records.get((user_id, key))
        return None if found is None else (found[1], found[0], found[2])


async def test_idempotency_claims_go_to_sql_while_redis_is_down_and_finish_there() -> None:
    sql = RecordingStore()
    store = RedisIdempotencyStore(down_guard(), sql)
    assert await store.claim("usr_1", "k1", "p", NOW) is None
    await store.finish("usr_1", "k1", StoredResponse(201, {"id": "ord_1"}))
    assert await store.claim("usr_1", "k2", "p", NOW) is None
    await store.release("usr_1", "k2")
    assert sql.log == ["claim k1", "finish k1", "claim k2", "release k2"]
    assert await store.claim("usr_1", "k1", "p", NOW) == StoredResponse(201, {"id": "ord_1"})


class FakeSqlRevocations:
    """Revocations as the database would keep them."""

    def __init__(self) -> None:
        self.revoked: dict[str, datetime] = {}

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        self.revoked[jti] = expires_at

    async def is_revoked(self, *jtis: str) -> bool:
        return any(jti in self.revoked for jti in jtis)

    async def live(self) -> list[tuple[str, datetime]]:
        return list(self.revoked.items())


async def test_revocations_are_stored_and_answered_by_the_database_while_redis_is_down() -> None:
    sql = FakeSqlRevocations()
    revocations = RedisTokenRevocations(down_guard(retry_after=0.0), sql, FrozenClock(NOW))  # type: ignore[arg-type]
    await revocations.revoke("jti-1", NOW + timedelta(minutes=5))
    assert sql.revoked == {"jti-1": NOW + timedelta(minutes=5)}
    assert await revocations.is_revoked("jti-1") is True
    assert await revocations.is_revoked("jti-2") is False


class FakeUow:
    """What the gates use of a unit of work: its hooks, and stock levels (never reached)."""

    def __init__(self) -> None:
        self.hooks: list[str] = []

    def before_commit(self, _hook: Any) -> None:
        self.hooks.append("before_commit")

    def after_rollback(self, _hook: Any) -> None:
        self.hooks.append("after_rollback")


async def test_stock_gate_steps_aside_when_redis_is_down() -> None:
    guard = down_guard()
    gate = RedisStockGate(guard, StockReconciler(guard, None, 3600.0))  # type: ignore[arg-type]
    uow = FakeUow()
    await gate.reserve(uow, {"var_1": 2})  # type: ignore[arg-type]
    assert uow.hooks == []  # nothing held in Redis, nothing to settle or give back


async def test_payment_token_gate_lets_the_database_decide_when_redis_is_down() -> None:
    gate = RedisPaymentTokenGate(down_guard(retry_after=0.0))
    await gate.remember("hash", "ord_1", "usr_1", NOW + timedelta(minutes=5))
    uow = FakeUow()
    await gate.take(uow, "hash", "ord_1", "usr_1")  # type: ignore[arg-type]
    assert uow.hooks == []


async def test_catalog_cache_reads_through_to_the_database_when_redis_is_down() -> None:
    cache = RedisCatalogCache(down_guard(retry_after=0.0), product_ttl=60, search_ttl=60)
    page = SearchPage(items=[], total=0, page=1, page_size=20)
    loads: list[str] = []

    async def load() -> SearchPage:
        loads.append("db")
        return page

    assert await cache.search(SearchQuery(text="boots"), load) is page
    assert await cache.search(SearchQuery(text="boots"), load) is page
    assert loads == ["db", "db"]


async def test_login_failures_are_counted_in_process_while_redis_is_down() -> None:
    clock = FrozenClock(NOW)
    counter = RedisFailureCounter(
        down_guard(retry_after=0.0), clock, InMemoryFailureCounter(clock), namespace="login"
    )
    window = timedelta(minutes=15)
    assert (await counter.fail("pair:a|1", window)).count == 1
    assert (await counter.fail("pair:a|1", window)).count == 2
    assert (await counter.get("pair:a|1")).count == 2
    await counter.clear("pair:a|1")
    assert (await counter.get("pair:a|1")).count == 0
