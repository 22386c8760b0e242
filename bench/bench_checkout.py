"""Checkout throughput on PostgreSQL: our service layer vs raw asyncpg doing the same SQL.

Both place the same planned orders (1-3 lines each, spread over 200 variants with ample
stock) with the same number of concurrent checkouts. The raw path runs the statements our
service issues for an order, in one transaction: read the address, read the variants with
their products, one conditional ``UPDATE`` per line reserving stock, insert the order and its
lines, read back payments and returns (the order view), insert the outbox events, commit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.common import Headline, Outcome, latency_ms, plot_series, ratio
from bench.context import BenchContext, Skipped
from bench.servers import asyncpg_dsn
from bench.shop import Buyer, add_buyers, sellable_variants, stock_up
from services.bootstrap import Container, bootstrap
from services.kernel.ids import new_id
from services.orders.schemas import OrderItemIn, PlaceOrderIn

NAME = "checkout"
DESCRIPTION = (
    "Orders/s of concurrent checkouts on PostgreSQL through OrderService.place (reserve stock, "
    "order + lines, outbox events) vs a raw asyncpg transaction issuing the same SQL."
)
GOAL = 0.5
CONCURRENCY = 16


@dataclass(frozen=True)
class PlannedOrder:
    """Who orders what: ``lines`` are (variant id, quantity), distinct variants."""

    buyer: Buyer
    lines: tuple[tuple[str, int], ...]


def plan_orders(buyers: list[Buyer], variants: list[str], count: int) -> list[PlannedOrder]:
    """A reproducible mix of 1-3 line orders."""
    rng = random.Random(7)
    plan = []
    for n in range(count):
        chosen = rng.sample(variants, rng.randint(1, 3))
        lines = tuple((variant, rng.randint(1, 2)) for variant in chosen)
        plan.append(PlannedOrder(buyers[n % len(buyers)], lines))
    return plan


async def drive(
    plan: list[PlannedOrder], concurrency: int, place: Callable[[PlannedOrder], Awaitable[None]]
) -> dict[str, Any]:
    """Run ``place`` over the plan with ``concurrency`` workers; throughput and latency."""
    latencies: list[float] = []
    counter = itertools.count()

    async def worker() -> None:
        while (index := next(counter)) < len(plan):
            started = time.perf_counter()
            await place(plan[index])
            latencies.append(time.perf_counter() - started)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "orders": len(plan),
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "orders_per_s": round(len(plan) / wall, 1),
        # This process's CPU (Python) per order; the database's work is not included.
        "client_cpu_ms_per_order": round(cpu / len(plan) * 1000, 2),
        "latency": latency_ms(latencies),
    }


def service_placer(container: Container) -> Callable[[PlannedOrder], Awaitable[None]]:
    """Places an order through the service layer."""

    async def place(order: PlannedOrder) -> None:
        items = [OrderItemIn(variant_id=v, quantity=q) for v, q in order.lines]
        data = PlaceOrderIn(address_id=order.buyer.address_id, items=items)
        await container.orders.place(order.buyer.actor, data)

    return place


VARIANTS_SQL = """
SELECT v.id, v.price_minor, v.currency, v.options, v.is_active, v.is_available,
       p.id AS product_id, p.name, p.category_id, p.is_active AS product_active
FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ANY($1::varchar[])
"""
RESERVE_SQL = """
UPDATE variants SET reserved = reserved + $1
WHERE id = $2 AND is_available IS true AND is_active IS true AND on_hand - reserved >= $1
RETURNING id
"""
ORDER_SQL = """
INSERT INTO orders (id, user_id, status, currency, subtotal_minor, discount_minor,
  shipping_minor, total_minor, address_id, shipping_address, expires_at, items_modified,
  version, created_at, updated_at)
VALUES ($1, $2, 'pending_payment', $3, $4, 0, 0, $4, $5, $6::json, $7, false, 1, $8, $8)
"""
LINE_SQL = """
INSERT INTO order_lines (id, order_id, position, variant_id, product_id, category_id,
  product_name, options, unit_price_minor, quantity)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10)
"""
OUTBOX_SQL = """
INSERT INTO outbox_events (id, topic, event_type, aggregate_id, payload, created_at)
SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[],
  $5::json[], $6::timestamptz[]) RETURNING seq
"""


def raw_placer(pool: asyncpg.Pool) -> Callable[[PlannedOrder], Awaitable[None]]:
    """Places an order with hand-written SQL over asyncpg (the baseline)."""

    async def place(order: PlannedOrder) -> None:
        now = datetime.now(UTC)
        order_id = new_id("ord")
        wanted = dict(sorted(order.lines))
        async with pool.acquire() as connection, connection.transaction():
            address = await connection.fetchrow(
                "SELECT * FROM addresses WHERE id = $1", order.buyer.address_id
            )
            assert address is not None
            assert address["user_id"] == order.buyer.actor.user_id
            rows = {r["id"]: r for r in await connection.fetch(VARIANTS_SQL, list(wanted))}
            for variant_id, quantity in wanted.items():
                if await connection.fetchval(RESERVE_SQL, quantity, variant_id) is None:
                    raise RuntimeError(f"out of stock: {variant_id}")
            snapshot = {k: address[k] for k in ("recipient", "line1", "line2", "city", "zip")}
            total = sum(rows[v]["price_minor"] * q for v, q in wanted.items())
            currency = rows[next(iter(wanted))]["currency"]
            await connection.execute(
                ORDER_SQL,
                order_id,
                order.buyer.actor.user_id,
                currency,
                total,
                address["id"],
                json.dumps(snapshot),
                now + timedelta(minutes=10),
                now,
            )
            await connection.executemany(
                LINE_SQL,
                [
                    (
                        new_id("oli"),
                        order_id,
                        position,
                        v,
                        rows[v]["product_id"],
                        rows[v]["category_id"],
                        rows[v]["name"],
                        rows[v]["options"],
                        rows[v]["price_minor"],
                        q,
                    )
                    for position, (v, q) in enumerate(wanted.items())
                ],
            )
            await connection.fetch("SELECT * FROM payment_ledger WHERE order_id = $1", order_id)
            await connection.fetch("SELECT * FROM order_returns WHERE order_id = $1", order_id)
            events = [
                (
                    "domtok.stock",
                    "stock.changed",
                    v,
                    {"reason": "reserved", "order_id": order_id, "reserved": q},
                )
                for v, q in wanted.items()
            ]
            events.append(
                (
                    "domtok.order",
                    "order.created",
                    order_id,
                    {"order_id": order_id, "lines": len(wanted)},
                )
            )
            await connection.fetch(
                OUTBOX_SQL,
                [new_id("evt") for _ in events],
                [e[0] for e in events],
                [e[1] for e in events],
                [e[2] for e in events],
                [json.dumps(e[3]) for e in events],
                [now] * len(events),
            )

    return place


async def run(ctx: BenchContext) -> Outcome:
    """Measure both paths in ABBA order over the same database."""
    if not ctx.need_postgres():
        raise Skipped(f"PostgreSQL unavailable: {ctx.servers.unavailable.get('postgres')}")
    settings = await ctx.fixtures.postgres_demo("checkout")
    container = bootstrap(settings)
    count = ctx.size(1500, 120)
    try:
        buyers = await add_buyers(container, 64, "checkout")
        variants = await sellable_variants(container, 200)
        await stock_up(container, variants, 10_000_000)
        pool = await asyncpg.create_pool(
            asyncpg_dsn(settings.database_url), min_size=CONCURRENCY, max_size=CONCURRENCY
        )
        try:
            ours, raw = service_placer(container), raw_placer(pool)
            warm = plan_orders(buyers, variants, 40)
            await drive(warm, CONCURRENCY, ours)
            await drive(warm, CONCURRENCY, raw)
            serial = plan_orders(buyers, variants, ctx.size(150, 20))
            serials = (await drive(serial, 1, ours), await drive(serial, 1, raw))
            rounds = 1 if ctx.quick else 2
            service_runs, raw_runs = [], []
            for n in range(rounds):
                plan = plan_orders(buyers, variants, count)
                first, second = (ours, raw) if n % 2 == 0 else (raw, ours)
                a = await drive(plan, CONCURRENCY, first)
                b = await drive(plan, CONCURRENCY, second)
                service_runs.append(a if first is ours else b)
                raw_runs.append(b if first is ours else a)
        finally:
            await pool.close()
    finally:
        await container.aclose()
    return _outcome(service_runs, raw_runs, serials)


def _mean(runs: list[dict[str, Any]], key: str) -> float:
    return round(sum(r[key] for r in runs) / len(runs), 1)


def _outcome(
    service_runs: list[dict[str, Any]],
    raw_runs: list[dict[str, Any]],
    serials: tuple[dict[str, Any], dict[str, Any]],
) -> Outcome:
    ours, base = _mean(service_runs, "orders_per_s"), _mean(raw_runs, "orders_per_s")
    serial_ours, serial_raw = serials[0]["orders_per_s"], serials[1]["orders_per_s"]
    cpu_ours = _mean(service_runs, "client_cpu_ms_per_order")
    cpu_raw = _mean(raw_runs, "client_cpu_ms_per_order")
    last_ours, last_raw = service_runs[-1]["latency"], raw_runs[-1]["latency"]
    figures = {
        "database": "postgresql",
        "concurrency": CONCURRENCY,
        "orders_per_round": service_runs[0]["orders"],
        "rounds": len(service_runs),
        "service_orders_per_s": ours,
        "raw_asyncpg_orders_per_s": base,
        "orders_per_s_ratio": ratio(ours, base),
        "service_p50_ms": last_ours["p50_ms"],
        "raw_asyncpg_p50_ms": last_raw["p50_ms"],
        "p50_latency_ratio": ratio(last_ours["p50_ms"], last_raw["p50_ms"]),
        "service_p99_ms": last_ours["p99_ms"],
        "raw_asyncpg_p99_ms": last_raw["p99_ms"],
        "p99_latency_ratio": ratio(last_ours["p99_ms"], last_raw["p99_ms"]),
        "service_serial_orders_per_s": serial_ours,
        "raw_asyncpg_serial_orders_per_s": serial_raw,
        "serial_orders_per_s_ratio": ratio(serial_ours, serial_raw),
        "service_client_cpu_ms_per_order": cpu_ours,
        "raw_asyncpg_client_cpu_ms_per_order": cpu_raw,
        "client_cpu_per_order_ratio": ratio(cpu_ours, cpu_raw),
        "service_runs": service_runs,
        "raw_asyncpg_runs": raw_runs,
        "serial_runs": {"service": serials[0], "raw_asyncpg": serials[1]},
    }
    headline = Headline(
        measure="checkout orders/s (PostgreSQL), service layer vs raw asyncpg",
        ours=ours,
        baseline=base,
        ratio_key="orders_per_s_ratio",
        ratio=figures["orders_per_s_ratio"],
        goal=f">= {GOAL}",
        met=figures["orders_per_s_ratio"] >= GOAL,
        unit="orders/s",
    )
    serial = Headline(
        measure="checkout orders/s one at a time (no lock contention), service vs raw",
        ours=serial_ours,
        baseline=serial_raw,
        ratio_key="serial_orders_per_s_ratio",
        ratio=figures["serial_orders_per_s_ratio"],
        unit="orders/s",
    )
    return Outcome(
        figures,
        [headline, serial],
        {
            "checkout: service": plot_series(last_ours),
            "checkout: raw asyncpg": plot_series(last_raw),
        },
    )
