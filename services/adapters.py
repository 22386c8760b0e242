"""The adapters that Redis can back, chosen by ``settings.redis_url`` alone.

Without Redis (the embedded default): in-process rate limiters, idempotency records and
revocations in the database, an in-process catalog cache, no stock gate, no payment-token gate.
With Redis: each port gets its Redis implementation, and each of those falls back to the
embedded behaviour while Redis is unreachable (see :mod:`services.kernel.redis`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from services.catalog.cache import CatalogCache, NoCatalogCache
from services.catalog.cache_local import LocalCatalogCache
from services.catalog.stock_gate import NoStockGate, StockGate
from services.kernel.clock import Clock
from services.kernel.events import InProcessEventBus
from services.kernel.idempotency import IdempotencyStore, SqlIdempotencyStore
from services.kernel.lockout import FailureCounter, InMemoryFailureCounter
from services.kernel.ratelimit import InMemoryRateLimiter, RateLimiter
from services.payments.token_gate import NoPaymentTokenGate, PaymentTokenGate
from services.uow import ShopUnitOfWork
from services.users.login_throttle import LoginThrottle, build_login_throttle
from services.users.revocations import SqlTokenRevocations, TokenRevocations

if TYPE_CHECKING:
    from services.catalog.stock_reconciler import StockReconciler
    from services.kernel.redis import RedisGuard

MINUTE = timedelta(minutes=1)


@dataclass
class Adapters:
    """One implementation per port, and what must be closed at shutdown."""

    login_throttle: LoginThrottle
    refund_limiter: RateLimiter
    idempotency: IdempotencyStore
    revocations: TokenRevocations
    catalog_cache: CatalogCache
    stock_gate: StockGate
    payment_tokens: PaymentTokenGate
    redis: RedisGuard | None = None
    stock_reconciler: StockReconciler | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        """Finish background work and close the Redis connections."""
        for closer in self.closers:
            await closer()


def build_adapters(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    uow: Callable[[], ShopUnitOfWork],
    clock: Clock,
    bus: InProcessEventBus,
) -> Adapters:
    """The embedded adapters, or the Redis ones when ``redis_url`` is set."""
    login = InMemoryFailureCounter(clock)
    refund = InMemoryRateLimiter(settings.refund_requests_per_minute, MINUTE, clock)
    if not settings.redis_url:
        return Adapters(
            login_throttle=build_login_throttle(settings, login, clock),
            refund_limiter=refund,
            idempotency=SqlIdempotencyStore(sessions),
            revocations=SqlTokenRevocations(uow),
            catalog_cache=_local_cache(settings, bus),
            stock_gate=NoStockGate(),
            payment_tokens=NoPaymentTokenGate(),
        )
    return _redis_adapters(settings, sessions, uow, clock, bus, login, refund)


def _local_cache(settings: Settings, bus: InProcessEventBus) -> CatalogCache:
    if not settings.cache_local_seconds:
        return NoCatalogCache()
    cache = LocalCatalogCache(settings.cache_local_seconds)
    bus.subscribe("*", cache.on_event)
    return cache


def _redis_adapters(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    uow: Callable[[], ShopUnitOfWork],
    clock: Clock,
    bus: InProcessEventBus,
    login: FailureCounter,
    refund: RateLimiter,
) -> Adapters:
    # Imported here: redis is an optional dependency (the `stack` extra).
    from services.catalog.cache_redis import RedisCatalogCache
    from services.catalog.stock_reconciler import StockReconciler
    from services.catalog.stock_redis import RedisStockGate
    from services.kernel.idempotency_redis import RedisIdempotencyStore
    from services.kernel.lockout_redis import RedisFailureCounter
    from services.kernel.ratelimit_redis import RedisRateLimiter
    from services.kernel.redis import RedisGuard, redis_client
    from services.payments.token_gate_redis import RedisPaymentTokenGate
    from services.users.revocations_redis import RedisTokenRevocations

    guard = RedisGuard(
        redis_client(settings.redis_url, settings.redis_timeout_seconds),
        timeout=settings.redis_timeout_seconds,
        retry_after=settings.redis_retry_seconds,
    )
    cache = RedisCatalogCache(
        guard,
        product_ttl=settings.cache_product_seconds,
        search_ttl=settings.cache_search_seconds,
    )
    reconciler = StockReconciler(guard, sessions, settings.stock_reconcile_seconds)
    bus.subscribe("*", cache.on_event)
    bus.subscribe("stock.changed", reconciler.on_stock_changed)
    login_failures = RedisFailureCounter(guard, clock, login, namespace="login")
    refund_limit = settings.refund_requests_per_minute
    return Adapters(
        login_throttle=build_login_throttle(settings, login_failures, clock),
        refund_limiter=RedisRateLimiter(
            guard, refund_limit, MINUTE, clock, refund, namespace="refund"
        ),
        idempotency=RedisIdempotencyStore(guard, SqlIdempotencyStore(sessions)),
        revocations=RedisTokenRevocations(guard, SqlTokenRevocations(uow), clock),
        catalog_cache=cache,
        stock_gate=RedisStockGate(guard, reconciler),
        payment_tokens=RedisPaymentTokenGate(guard),
        redis=guard,
        stock_reconciler=reconciler,
        closers=[reconciler.aclose, guard.aclose],
    )
