"""Search at scale: a generated catalog of 100,000 products, Elasticsearch vs SQL.

The catalog goes into PostgreSQL (SQLite when PostgreSQL is missing); ``domtok search
reindex`` builds the index on the Elasticsearch-compatible server (its rate is measured from
outside, process start included); then typical shopper queries run against both engines
directly (no fallback, no cache), interleaved, and their p50/p95 latencies are compared.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from typing import Any

from bench.catalog_gen import generate
from bench.common import ROOT, Headline, Outcome, latency_ms, plot_series, ratio
from bench.context import BenchContext, Skipped
from bench.http import clean_env
from bench.shop import bench_settings, server_env
from config.settings import Settings
from services.catalog.search import ProductSearch, SearchQuery
from services.catalog.search_sql import SqlProductSearch
from services.kernel.db import create_engine, session_factory
from services.kernel.pagination import PageRequest
from services.migrate import upgrade_async

NAME = "search"
DESCRIPTION = (
    "p50/p95 of typical product queries over 100,000 generated products on the "
    "Elasticsearch-compatible backend vs the SQL backend, and `domtok search reindex` rate."
)
QUERIES: dict[str, SearchQuery] = {
    "two words": SearchQuery(text="running shoes"),
    "words + category": SearchQuery(text="wool jacket", category="Clothing"),
    "word + max price": SearchQuery(text="waterproof", max_price=10_000),
    "category only": SearchQuery(category="Electronics"),
    "word, price ascending": SearchQuery(text="black", sort="price_asc"),
    "option + in stock": SearchQuery(options={"color": "red"}, in_stock=True),
    "three words": SearchQuery(text="ergonomic office chair"),
    "browse page 5, newest": SearchQuery(sort="newest", page=PageRequest(page=5, page_size=20)),
}


async def _database(ctx: BenchContext) -> Settings:
    if ctx.need_postgres():
        return await ctx.fixtures.postgres_empty("search")
    directory = ctx.fixtures.new_dir("search")
    settings = bench_settings(directory, f"sqlite+aiosqlite:///{directory / 'domtok.db'}")
    await upgrade_async(settings.database_url)
    return settings


def reindex(settings: Settings, batch_size: int) -> dict[str, Any]:
    """Run ``domtok search reindex`` as a user would; wall time and documents indexed."""
    env = clean_env(server_env(settings))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "search", "reindex", "--batch-size", str(batch_size)],
        cwd=ROOT, env={**env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=1800,
        check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"domtok search reindex failed: {(done.stderr or done.stdout)[-1500:]}")
    found = re.search(r"([\d,]+) product\(s\)", done.stdout)
    documents = int(found.group(1).replace(",", "")) if found else 0
    return {
        "command": f"domtok search reindex --batch-size {batch_size}",
        "documents": documents,
        "wall_s": round(seconds, 2),
        "documents_per_s": round(documents / seconds, 1),
    }


async def _drop_index(client: Any, alias: str) -> None:
    """Delete the indices behind the benchmark's alias (names are unique to this run)."""
    for name in (alias, f"{alias}-building"):
        try:
            found = await client.indices.get_alias(name=name)
        except Exception:  # a missing alias is fine: nothing to drop
            continue
        for index in found:
            await client.indices.delete(index=index, ignore_unavailable=True)


async def measure(engines: dict[str, ProductSearch], reps: int) -> dict[str, Any]:
    """Each query ``reps`` times on each engine, alternating; latencies and hit counts."""
    timings: dict[str, dict[str, list[float]]] = {e: {q: [] for q in QUERIES} for e in engines}
    totals: dict[str, dict[str, int]] = {e: {} for e in engines}
    for label, query in QUERIES.items():
        for name, engine in engines.items():  # warm-up, and the hit count
            totals[name][label] = (await engine.search(query)).total
        for _ in range(reps):
            for name, engine in engines.items():
                started = time.perf_counter()
                await engine.search(query)
                timings[name][label].append(time.perf_counter() - started)
    result: dict[str, Any] = {}
    for name in engines:
        every = [t for times in timings[name].values() for t in times]
        result[name] = {
            "all_queries": latency_ms(every),
            "per_query": {
                label: {"hits": totals[name][label], **latency_ms(timings[name][label])}
                for label in QUERIES
            },
        }
    return result


async def run(ctx: BenchContext) -> Outcome:
    """Generate, reindex, query."""
    if "elasticsearch" not in ctx.servers.ensure("elasticsearch"):
        reason = ctx.servers.unavailable.get("elasticsearch")
        raise Skipped(f"the Elasticsearch-compatible server is unavailable: {reason}")
    products = ctx.size(100_000, 3_000)
    alias = f"dtbench-products-{secrets.token_hex(4)}"
    base = await _database(ctx)
    settings = bench_settings(
        base.data_dir,
        base.database_url,
        elasticsearch_url=ctx.servers.elasticsearch_url(),
        elasticsearch_index=alias,
        elasticsearch_timeout=30.0,
    )
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    from services.catalog.search_es import EsProductSearch, elasticsearch_client

    client = elasticsearch_client(settings.elasticsearch_url, 30.0)
    try:
        started = time.perf_counter()
        rows = await generate(sessions, products, settings.currency)
        generated_s = time.perf_counter() - started
        indexing = reindex(settings, 500)
        engines: dict[str, ProductSearch] = {
            "elasticsearch": EsProductSearch(client, alias),
            "sql": SqlProductSearch(sessions, settings.currency),
        }
        measured = await measure(engines, ctx.size(15, 3))
    finally:
        await _drop_index(client, alias)
        await client.close()
        await engine.dispose()
    return _outcome(settings, rows, generated_s, indexing, measured)


def _outcome(
    settings: Settings,
    rows: dict[str, int],
    generated_s: float,
    indexing: dict[str, Any],
    measured: dict[str, Any],
) -> Outcome:
    es, sql = measured["elasticsearch"]["all_queries"], measured["sql"]["all_queries"]
    figures: dict[str, Any] = {
        "sql_database": "postgresql" if not settings.is_sqlite else "sqlite",
        "catalog": {**rows, "generate_s": round(generated_s, 1)},
        "reindex": indexing,
        "elasticsearch_p50_ms": es["p50_ms"],
        "sql_p50_ms": sql["p50_ms"],
        "p50_latency_ratio": ratio(es["p50_ms"], sql["p50_ms"]),
        "elasticsearch_p95_ms": es["p95_ms"],
        "sql_p95_ms": sql["p95_ms"],
        "p95_latency_ratio": ratio(es["p95_ms"], sql["p95_ms"]),
        "engines": measured,
    }
    for label in QUERIES:
        e = measured["elasticsearch"]["per_query"][label]
        s = measured["sql"]["per_query"][label]
        e["p50_latency_ratio_vs_sql"] = ratio(e["p50_ms"], s["p50_ms"])
    headlines = [
        Headline(
            f"search p50 over {rows['products']:,} products, Elasticsearch vs SQL",
            es["p50_ms"], sql["p50_ms"], "p50_latency_ratio", figures["p50_latency_ratio"],
            unit="ms",
        ),
        Headline(
            f"search p95 over {rows['products']:,} products, Elasticsearch vs SQL",
            es["p95_ms"], sql["p95_ms"], "p95_latency_ratio", figures["p95_latency_ratio"],
            unit="ms",
        ),
    ]
    notes = [
        f"domtok search reindex: {indexing['documents']:,} products in {indexing['wall_s']} s "
        f"= {indexing['documents_per_s']:,} products/s (process start included)"
    ]
    series = {
        "search: elasticsearch": plot_series(es),
        f"search: sql ({figures['sql_database']})": plot_series(sql),
    }
    return Outcome(figures, headlines, series, notes)
