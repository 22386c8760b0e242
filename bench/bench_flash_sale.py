"""Flash sale: 2,000 concurrent buyers for 100 units of one variant, Redis fast path vs database.

Buyers are split over two processes (each with its own connection pool, as two API workers
would be), released together, and each places a one-unit order through ``OrderService.place``.
Afterwards the database is the judge: units in orders must be exactly the 100 on hand (0
oversold) and exactly 100 orders must have succeeded. The same run is made with the Redis stock
gate (``DOMTOK_REDIS_URL`` set) and without it (the conditional ``UPDATE`` alone).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import Headline, Outcome, check, latency_ms, plot_series, ratio
from bench.context import BenchContext, Skipped
from bench.shop import add_buyers, add_sale_variant, bench_settings
from services.bootstrap import Container, bootstrap
from services.catalog.models import Variant
from services.kernel.actor import Actor
from services.kernel.errors import ShopError
from services.orders.models import OrderLine
from services.orders.schemas import OrderItemIn, PlaceOrderIn

NAME = "flash_sale"
DESCRIPTION = (
    "2,000 concurrent buyers (2 processes) for 100 units of one variant: oversold units, "
    "successful orders, throughput and p99 latency, Redis stock gate vs database path."
)
UNITS = 100
PROCESSES = 2

BuyerRow = tuple[str, str]  # user id, address id
Attempt = tuple[str, float, float, float]  # outcome, latency s, started, ended (epoch s)


async def _warm(container: Container, connections: int) -> None:
    """Open the pool's connections (and Redis's) before the start signal."""

    async def touch() -> None:
        await container.check_database()

    await asyncio.gather(*(touch() for _ in range(connections)))
    if container.adapters.redis is not None:
        await container.adapters.redis.run("ping", lambda r: r.ping())


async def _buy(container: Container, variant_id: str, buyer: BuyerRow) -> Attempt:
    started_wall, started = time.time(), time.perf_counter()
    items = [OrderItemIn(variant_id=variant_id, quantity=1)]
    try:
        await container.orders.place(
            Actor(buyer[0], "customer"), PlaceOrderIn(address_id=buyer[1], items=items)
        )
        outcome = "ok"
    except ShopError as exc:
        outcome = exc.code
    except Exception as exc:  # counted, not hidden: a timeout is a result of the run
        outcome = type(exc).__name__
    return outcome, time.perf_counter() - started, started_wall, time.time()


class _RedisFallbacks(logging.Handler):
    """Counts the times the Redis guard gave up on Redis and let the database decide."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "unavailable" in record.getMessage():
            self.count += 1


async def _crowd(
    config: dict[str, str], variant_id: str, buyers: list[BuyerRow], ready: Any, go: Any
) -> tuple[list[Attempt], int]:
    settings = bench_settings(
        Path(config["data_dir"]), config["database_url"], redis_url=config["redis_url"]
    )
    container = bootstrap(settings)
    fallbacks = _RedisFallbacks()
    logging.getLogger("services.kernel.redis").addHandler(fallbacks)
    try:
        await _warm(container, 20)
        ready.put(len(buyers))
        await asyncio.to_thread(go.wait)
        attempts = await asyncio.gather(*(_buy(container, variant_id, b) for b in buyers))
        return list(attempts), fallbacks.count
    finally:
        await container.aclose()


def buyer_process(
    config: dict[str, str],
    variant_id: str,
    buyers: list[BuyerRow],
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """Child process: wait for the start signal, then every buyer at once."""
    results.put(asyncio.run(_crowd(config, variant_id, buyers, ready, go)))


def run_sale(
    config: dict[str, str], variant_id: str, buyers: list[BuyerRow]
) -> tuple[list[Attempt], int]:
    """Release all buyers of all processes together: every attempt's outcome and timing, and
    how often Redis was given up on (the database decided alone for a while)."""
    spawn = mp.get_context("spawn")
    ready, results, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    share = [buyers[n::PROCESSES] for n in range(PROCESSES)]
    procs = [
        spawn.Process(target=buyer_process, args=(config, variant_id, part, ready, go, results))
        for part in share
    ]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        go.set()
        attempts: list[Attempt] = []
        fallbacks = 0
        for _ in procs:
            done, gave_up = results.get(timeout=300)
            attempts += done
            fallbacks += gave_up
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    return attempts, fallbacks


async def audit(container: Container, variant_id: str) -> dict[str, int]:
    """What the database holds after the sale."""
    async with container.sessions() as session:
        variant = await session.get(Variant, variant_id)
        assert variant is not None
        row = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(OrderLine.quantity), 0)).where(
                    OrderLine.variant_id == variant_id
                )
            )
        ).one()
    units = int(row[1])
    return {
        "on_hand": variant.on_hand,
        "reserved": variant.reserved,
        "orders_in_database": int(row[0]),
        "units_in_orders": units,
        "oversold_units": max(units - UNITS, 0),
    }


def summarize(attempts: list[Attempt], audited: dict[str, int], fallbacks: int) -> dict[str, Any]:
    """Throughput, latency and outcome counts of one sale."""
    outcomes: dict[str, int] = {}
    for outcome, *_ in attempts:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    wall = max(a[3] for a in attempts) - min(a[2] for a in attempts)
    winners = [a for a in attempts if a[0] == "ok"]
    sold_out_at = max((a[3] for a in winners), default=0) - min(a[2] for a in attempts)
    return {
        "buyers": len(attempts),
        "successful_orders": outcomes.get("ok", 0),
        "outcomes": outcomes,
        # Anything but a success or a clean "out of stock" (e.g. a pool timeout) is an error.
        "errors": len(attempts) - outcomes.get("ok", 0) - outcomes.get("out_of_stock", 0),
        "redis_fallbacks_logged": fallbacks,
        **audited,
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(attempts) / wall, 1),
        "seconds_to_sell_out": round(sold_out_at, 3),
        "latency": latency_ms(a[1] for a in attempts),
        "winner_latency": latency_ms(a[1] for a in winners),
    }


async def one_sale(
    ctx: BenchContext, label: str, buyers_count: int, redis_url: str
) -> dict[str, Any]:
    """Set up a fresh variant and buyers on a new database and run the sale."""
    settings = await ctx.fixtures.postgres_empty(f"flash_{label}")
    settings = bench_settings(settings.data_dir, settings.database_url, redis_url=redis_url)
    container = bootstrap(settings)
    try:
        variant_id = await add_sale_variant(container, UNITS, f"Flash sale ({label})")
        buyers = await add_buyers(container, buyers_count, f"flash-{label}")
        config = {
            "data_dir": str(settings.data_dir),
            "database_url": settings.database_url,
            "redis_url": redis_url,
        }
        rows = [(b.actor.user_id, b.address_id) for b in buyers]
        attempts, fallbacks = await asyncio.to_thread(run_sale, config, variant_id, rows)
        return summarize(attempts, await audit(container, variant_id), fallbacks)
    finally:
        await container.aclose()


async def run(ctx: BenchContext) -> Outcome:
    """The sale on the database path, then on the Redis fast path."""
    if not ctx.need_postgres():
        raise Skipped(f"PostgreSQL unavailable: {ctx.servers.unavailable.get('postgres')}")
    buyers = ctx.size(2000, 300)
    sales = {"database": await one_sale(ctx, "database", buyers, "")}
    notes = []
    if "redis" in ctx.servers.ensure("redis"):
        sales["redis"] = await one_sale(ctx, "redis", buyers, ctx.servers.redis_url())
    else:
        notes.append(
            f"Redis unavailable ({ctx.servers.unavailable.get('redis')}): no fast path run"
        )
    for label, sale in sales.items():
        failures = {k: v for k, v in sale["outcomes"].items() if k not in ("ok", "out_of_stock")}
        if failures:
            notes.append(
                f"{label} path: {sale['errors']} of {sale['buyers']} buyers failed with "
                f"{failures} (a 30 s wait for one of the 20 pooled connections is a TimeoutError)"
            )
    gave_up = sales.get("redis", {}).get("redis_fallbacks_logged")
    if gave_up:
        notes.append(
            f"Redis path: the Redis guard gave up on Redis {gave_up} time(s) (0.5 s timeout "
            "under load) and let the database decide alone for 2 s each time"
        )
    return _outcome(sales, notes)


def _outcome(sales: dict[str, dict[str, Any]], notes: list[str]) -> Outcome:
    db = sales["database"]
    figures: dict[str, Any] = {"units": UNITS, "processes": PROCESSES, "database": "postgresql"}
    checks = []
    for label, sale in sales.items():
        figures[label] = sale
        checks.append(check(f"oversold units, {label} path", sale["oversold_units"], 0))
        checks.append(check(f"successful orders, {label} path", sale["successful_orders"], UNITS))
        checks.append(check(f"orders in database, {label} path", sale["orders_in_database"], UNITS))
        checks.append(check(f"buyers failing with an error, {label} path", sale["errors"], 0))
    series = {f"flash sale: {k}": plot_series(v["latency"]) for k, v in sales.items()}
    headlines = []
    if "redis" in sales:
        redis = sales["redis"]
        figures.update(
            {
                "redis_requests_per_s": redis["requests_per_s"],
                "database_requests_per_s": db["requests_per_s"],
                "requests_per_s_ratio": ratio(redis["requests_per_s"], db["requests_per_s"]),
                "redis_p99_ms": redis["latency"]["p99_ms"],
                "database_p99_ms": db["latency"]["p99_ms"],
                "p99_latency_ratio": ratio(redis["latency"]["p99_ms"], db["latency"]["p99_ms"]),
            }
        )
        headlines = [
            Headline(
                "flash sale requests/s, Redis gate vs database path",
                redis["requests_per_s"],
                db["requests_per_s"],
                "requests_per_s_ratio",
                figures["requests_per_s_ratio"],
                unit="req/s",
            ),
            Headline(
                "flash sale p99 latency, Redis gate vs database path",
                redis["latency"]["p99_ms"],
                db["latency"]["p99_ms"],
                "p99_latency_ratio",
                figures["p99_latency_ratio"],
                unit="ms",
            ),
        ]
    return Outcome(figures, headlines, series, notes, checks)
