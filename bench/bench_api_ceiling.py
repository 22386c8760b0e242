"""API ceiling: requests/s and latency of product detail and product search, vs a bare app.

Our API (demo-seeded shop) and a bare FastAPI app returning a constant JSON body on the same
paths run side by side under identical uvicorn settings and take the same ``wrk`` load (1
thread, 16 connections) in alternating short rounds, so a change of the machine's load hits
both alike. Backends: SQLite (the embedded default), PostgreSQL, and PostgreSQL with Redis
(the product and search cache). ``/healthz`` (every middleware, no service call) gives the
framework's floor on SQLite. When product detail on SQLite is below half the bare app, the
server is profiled under the same load (pyinstrument) and the hottest functions recorded.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
from typing import Any

from sqlalchemy import select

from bench.common import Headline, Outcome, plot_series, ratio
from bench.context import BenchContext
from bench.shop import bench_settings, server_env
from bench.webload import Server, get_json, run_wrk
from config.settings import Settings
from services.bootstrap import bootstrap
from services.catalog.models import Product

NAME = "api_ceiling"
DESCRIPTION = (
    "Requests/s and p50/p99 of GET /api/v1/products/{id} and a product search vs a bare FastAPI "
    "app with a constant body; same uvicorn flags, same wrk load, alternating rounds."
)
GOAL = 0.5
CONNECTIONS = 16
SEARCHES = (
    "/api/v1/products?q=shoes",
    "/api/v1/products?q=camera&max_price=50000",
    "/api/v1/products?category=Electronics",
    "/api/v1/products?q=black&sort=price_asc",
    "/api/v1/products?q=kettle&in_stock=true",
    "/api/v1/products?option=color:red",
    "/api/v1/products?q=wireless%20earbuds",
    "/api/v1/products?page=2&page_size=10",
)
ENDPOINTS = ("product_detail", "search")
# /healthz goes through every middleware but calls no service: the framework's floor.
WITH_FLOOR = (*ENDPOINTS, "healthz")


async def product_paths(settings: Settings) -> list[str]:
    """``/api/v1/products/{id}`` for every active product of the shop."""
    container = bootstrap(settings)
    try:
        async with container.sessions() as session:
            ids = await session.scalars(select(Product.id).where(Product.is_active.is_(True)))
            return [f"/api/v1/products/{pid}" for pid in ids]
    finally:
        await container.aclose()


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one server as one figure: total requests over total time, median latencies."""
    requests = sum(r["requests"] for r in runs)
    duration = sum(r["duration_s"] for r in runs)
    keys = runs[0]["latency"]
    return {
        "requests": requests,
        "duration_s": round(duration, 3),
        "requests_per_s": round(requests / duration, 1),
        "errors": sum(r["errors"] for r in runs),
        "bytes_per_response": runs[0]["bytes_per_response"],
        "latency": {k: round(statistics.median(r["latency"][k] for r in runs), 3) for k in keys},
        "rounds_requests_per_s": [r["requests_per_s"] for r in runs],
    }


class Load:
    """The same warm-up and alternating measured rounds against two servers."""

    def __init__(self, ctx: BenchContext) -> None:
        self.rounds = 1 if ctx.quick else 3
        self.seconds = ctx.seconds(4, 2)
        self.warmup = ctx.seconds(2, 1)

    def compare(self, ours: Server, bare: Server, paths: list[str]) -> dict[str, Any]:
        """Check both answer 200, warm both up, then alternate measured rounds."""
        for server in (ours, bare):
            get_json(server.url + paths[0])
            run_wrk(server.url, paths, self.warmup, CONNECTIONS)
        runs: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
        for n in range(self.rounds):
            order = [("ours", ours), ("bare", bare)]
            for label, server in order if n % 2 == 0 else reversed(order):
                runs[label].append(run_wrk(server.url, paths, self.seconds, CONNECTIONS))
        return {label: combine(measured) for label, measured in runs.items()}


def _profile(ctx: BenchContext, load: Load, settings: Settings, paths: list[str]) -> dict[str, Any]:
    """The hottest functions of our server under the product-detail load."""
    out = ctx.workdir / "api_profile.json"
    env = server_env(settings)
    with Server("api.app:app_factory", env, ctx.workdir, profile_to=out) as server:
        run_wrk(server.url, paths, load.warmup, CONNECTIONS)
        os.kill(server.pid, signal.SIGUSR1)
        run_wrk(server.url, paths, load.seconds * load.rounds, CONNECTIONS)
    report: dict[str, Any] = json.loads(out.read_text())
    (ctx.results_dir / "api_ceiling_profile.txt").write_text(out.with_suffix(".txt").read_text())
    report["call_tree"] = "api_ceiling_profile.txt"
    return report


async def _backends(ctx: BenchContext, notes: list[str]) -> dict[str, Settings]:
    sqlite = await ctx.fixtures.sqlite_demo("api")
    backends = {"sqlite": sqlite}
    if ctx.quick:
        return backends
    if not ctx.need_postgres():
        notes.append("PostgreSQL unavailable: SQLite only")
        return backends
    pg = await ctx.fixtures.postgres_demo("api")
    backends["postgres"] = pg
    if "redis" in ctx.servers.ensure("redis"):
        backends["postgres_redis"] = bench_settings(
            pg.data_dir, pg.database_url, redis_url=ctx.servers.redis_url()
        )
    return backends


async def run(ctx: BenchContext, profile: bool = False) -> Outcome:
    """Our API on each backend against the bare app, endpoint by endpoint."""
    notes: list[str] = []
    backends = await _backends(ctx, notes)
    load = Load(ctx)
    results: dict[str, dict[str, Any]] = {}
    details: dict[str, list[str]] = {}
    with Server("bench.bare_app:app_factory", {}, ctx.workdir) as bare:
        for name, settings in backends.items():
            # Each database was seeded on its own: product ids differ.
            details[name] = await product_paths(settings)
            paths = {"product_detail": details[name], "search": SEARCHES, "healthz": ["/healthz"]}
            with Server("api.app:app_factory", server_env(settings), ctx.workdir) as ours:
                endpoints = WITH_FLOOR if name == "sqlite" else ENDPOINTS
                results[name] = {e: load.compare(ours, bare, list(paths[e])) for e in endpoints}
    figures, headlines = _compare(results)
    detail_ratio = figures["sqlite"]["product_detail"]["requests_per_s_ratio"]
    if profile or detail_ratio < GOAL:
        figures["profile_sqlite_product_detail"] = _profile(
            ctx, load, backends["sqlite"], details["sqlite"]
        )
        notes.append(
            "Profiled because product detail is below the goal (or --profile): see "
            "profile_sqlite_product_detail and api_ceiling_profile.txt"
        )
    series = {
        f"{backend}: {endpoint}": plot_series(results[backend][endpoint]["ours"]["latency"])
        for backend in results
        for endpoint in ENDPOINTS
    }
    bare_detail = results["sqlite"]["product_detail"]["bare"]["latency"]
    series["bare app: product detail paths"] = plot_series(bare_detail)
    return Outcome(figures, headlines, series, notes)


def _row(measured: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    ours_lat, bare_lat = measured["latency"], bare["latency"]
    return {
        "requests_per_s": measured["requests_per_s"],
        "bare_requests_per_s": bare["requests_per_s"],
        "requests_per_s_ratio": ratio(measured["requests_per_s"], bare["requests_per_s"]),
        "p50_ms": ours_lat["p50_ms"],
        "bare_p50_ms": bare_lat["p50_ms"],
        "p50_latency_ratio": ratio(ours_lat["p50_ms"], bare_lat["p50_ms"]),
        "p99_ms": ours_lat["p99_ms"],
        "bare_p99_ms": bare_lat["p99_ms"],
        "p99_latency_ratio": ratio(ours_lat["p99_ms"], bare_lat["p99_ms"]),
        "errors": measured["errors"],
        "bare_errors": bare["errors"],
        "bytes_per_response": measured["bytes_per_response"],
        "bare_bytes_per_response": bare["bytes_per_response"],
        "ours_raw": measured,
        "bare_raw": bare,
    }


def _compare(results: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], list[Headline]]:
    figures: dict[str, Any] = {
        "server": "uvicorn, 1 worker, uvloop, httptools, no access log",
        "load": f"wrk -t1 -c{CONNECTIONS}, paths cycled, ours and bare alternating rounds",
    }
    headlines = []
    for backend, endpoints in results.items():
        figures[backend] = {}
        for endpoint, pair in endpoints.items():
            row = figures[backend][endpoint] = _row(pair["ours"], pair["bare"])
            is_detail = endpoint == "product_detail"
            what = "healthz (middleware floor)" if endpoint == "healthz" else endpoint
            headlines.append(
                Headline(
                    f"{what.replace('_', ' ')} req/s on {backend} vs bare app",
                    row["requests_per_s"],
                    row["bare_requests_per_s"],
                    f"{backend}.{endpoint}.requests_per_s_ratio",
                    row["requests_per_s_ratio"],
                    goal=f">= {GOAL}" if is_detail else "",
                    met=row["requests_per_s_ratio"] >= GOAL if is_detail else None,
                    unit="req/s",
                )
            )
    return figures, headlines
