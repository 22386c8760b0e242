"""API ceiling: requests/s and latency of product detail and product search, vs a bare app.

Our API (demo-seeded shop) and a bare FastAPI app returning a constant JSON body on the same
paths run under identical uvicorn settings and the same ``wrk`` load (1 thread, 16
connections). Backends: SQLite (the embedded default), PostgreSQL, and PostgreSQL with Redis
(the product and search cache). The bare app is measured before and after ours; the mean is
the baseline. When product detail on SQLite is below half the bare app, the server is
profiled under the same load (pyinstrument) and the hottest functions are recorded.
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

from sqlalchemy import select

from bench.common import Headline, Outcome, plot_series, ratio
from bench.context import BenchContext
from bench.http import Server, get_json, run_wrk
from bench.shop import bench_settings, server_env
from config.settings import Settings
from services.bootstrap import bootstrap
from services.catalog.models import Product

NAME = "api_ceiling"
DESCRIPTION = (
    "Requests/s and p50/p99 of GET /api/v1/products/{id} and a product search vs a bare FastAPI "
    "app with a constant body; same uvicorn flags, same wrk load."
)
GOAL = 0.5
CONNECTIONS = 16
SEARCHES = (
    "/api/v1/products?q=shoes",
    "/api/v1/products?q=camera&max_price=500",
    "/api/v1/products?category=Electronics",
    "/api/v1/products?q=black&sort=price_asc",
    "/api/v1/products?q=kettle&in_stock=true",
    "/api/v1/products?option=color:red",
    "/api/v1/products?q=wireless%20earbuds",
    "/api/v1/products?page=2&page_size=10",
)


async def product_paths(settings: Settings) -> list[str]:
    """``/api/v1/products/{id}`` for every active product of the shop."""
    container = bootstrap(settings)
    try:
        async with container.sessions() as session:
            ids = await session.scalars(select(Product.id).where(Product.is_active.is_(True)))
            return [f"/api/v1/products/{pid}" for pid in ids]
    finally:
        await container.aclose()


class Load:
    """Runs the same warm-up and measured ``wrk`` load against any server."""

    def __init__(self, ctx: BenchContext, details: list[str]) -> None:
        self.ctx = ctx
        self.seconds = ctx.seconds(10, 2)
        self.warmup = ctx.seconds(3, 1)
        self.sets = {"product_detail": details, "search": list(SEARCHES)}

    def measure(self, server: Server) -> dict[str, Any]:
        """Both path sets against ``server``: check they answer 200, warm up, measure."""
        out = {}
        for name, paths in self.sets.items():
            get_json(server.url + paths[0])
            run_wrk(server.url, paths, self.warmup, CONNECTIONS)
            out[name] = run_wrk(server.url, paths, self.seconds, CONNECTIONS)
        return out


def _bare(ctx: BenchContext, load: Load) -> dict[str, Any]:
    with Server("bench.bare_app:app_factory", {}, ctx.workdir) as server:
        return load.measure(server)


def _ours(ctx: BenchContext, load: Load, settings: Settings) -> dict[str, Any]:
    with Server("api.app:app_factory", server_env(settings), ctx.workdir) as server:
        return load.measure(server)


def _profile(ctx: BenchContext, load: Load, settings: Settings) -> dict[str, Any]:
    out = ctx.workdir / "api_profile.json"
    env = server_env(settings)
    with Server("api.app:app_factory", env, ctx.workdir, profile_to=out) as server:
        run_wrk(server.url, load.sets["product_detail"], load.warmup, CONNECTIONS)
        os.kill(server.pid, signal.SIGUSR1)
        run_wrk(server.url, load.sets["product_detail"], load.seconds, CONNECTIONS)

    report = json.loads(out.read_text())
    text = out.with_suffix(".txt")
    (ctx.results_dir / "api_ceiling_profile.txt").write_text(text.read_text())
    report["call_tree"] = "api_ceiling_profile.txt"
    return report


async def run(ctx: BenchContext, profile: bool = False) -> Outcome:
    """Bare app, then our API on each backend, then the bare app again."""
    sqlite = await ctx.fixtures.sqlite_demo("api")
    load = Load(ctx, await product_paths(sqlite))
    backends: dict[str, Settings] = {"sqlite": sqlite}
    notes = []
    if not ctx.quick and ctx.need_postgres():
        pg = await ctx.fixtures.postgres_demo("api")
        backends["postgres"] = pg
        if "redis" in ctx.servers.ensure("redis"):
            backends["postgres_redis"] = bench_settings(
                pg.data_dir, pg.database_url, redis_url=ctx.servers.redis_url()
            )
    elif not ctx.quick:
        notes.append("PostgreSQL unavailable: SQLite only")
    bare_before = _bare(ctx, load)
    ours = {name: _ours(ctx, load, settings) for name, settings in backends.items()}
    bare_after = _bare(ctx, load)
    figures, headlines = _compare(bare_before, bare_after, ours)
    detail_ratio = figures["sqlite"]["product_detail"]["requests_per_s_ratio"]
    if profile or detail_ratio < GOAL:
        figures["profile_sqlite_product_detail"] = _profile(ctx, load, sqlite)
        notes.append(
            "Profiled because product detail is below the goal (or --profile): see "
            "profile_sqlite_product_detail and api_ceiling_profile.txt"
        )
    series = {
        f"{backend}: {endpoint}": plot_series(ours[backend][endpoint]["latency"])
        for backend in ours
        for endpoint in ("product_detail", "search")
    }
    series["bare app"] = plot_series(bare_before["product_detail"]["latency"])
    return Outcome(figures, headlines, series, notes)


def _compare(
    before: dict[str, Any], after: dict[str, Any], ours: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[Headline]]:
    figures: dict[str, Any] = {
        "server": "uvicorn, 1 worker, uvloop, httptools, no access log",
        "load": f"wrk -t1 -c{CONNECTIONS}, paths cycled",
        "bare_before": before,
        "bare_after": after,
    }
    headlines = []
    for backend, result in ours.items():
        figures[backend] = {}
        for endpoint, measured in result.items():
            bare_rps = (before[endpoint]["requests_per_s"] + after[endpoint]["requests_per_s"]) / 2
            bare_p50 = (before[endpoint]["latency"]["p50_ms"] + after[endpoint]["latency"]["p50_ms"]) / 2
            bare_p99 = (before[endpoint]["latency"]["p99_ms"] + after[endpoint]["latency"]["p99_ms"]) / 2
            row = {
                "requests_per_s": measured["requests_per_s"],
                "bare_requests_per_s": round(bare_rps, 1),
                "requests_per_s_ratio": ratio(measured["requests_per_s"], bare_rps),
                "p50_ms": measured["latency"]["p50_ms"],
                "bare_p50_ms": round(bare_p50, 3),
                "p50_latency_ratio": ratio(measured["latency"]["p50_ms"], bare_p50),
                "p99_ms": measured["latency"]["p99_ms"],
                "bare_p99_ms": round(bare_p99, 3),
                "p99_latency_ratio": ratio(measured["latency"]["p99_ms"], bare_p99),
                "errors": measured["errors"],
                "bytes_per_response": measured["bytes_per_response"],
                "bare_bytes_per_response": before[endpoint]["bytes_per_response"],
                "raw": measured,
            }
            figures[backend][endpoint] = row
            is_detail = endpoint == "product_detail"
            headlines.append(
                Headline(
                    f"{endpoint.replace('_', ' ')} req/s on {backend} vs bare app",
                    row["requests_per_s"], row["bare_requests_per_s"],
                    f"{backend}.{endpoint}.requests_per_s_ratio", row["requests_per_s_ratio"],
                    goal=f">= {GOAL}" if is_detail else "",
                    met=row["requests_per_s_ratio"] >= GOAL if is_detail else None,
                    unit="req/s",
                )
            )
    return figures, headlines
