"""Search at scale: a generated catalog of 100,000 products, Elasticsearch vs SQL.

The catalog goes into PostgreSQL (SQLite when PostgreSQL is missing); ``domtok search
reindex`` builds the index on the Elasticsearch node (its rate is measured from
outside, process start included); then typical shopper queries run against both engines
directly (no fallback, no cache), interleaved, and their p50/p95 latencies are compared.
"""

from __future__ import annotations

import asyncio
import re
import resource
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.catalog_gen import generate
from bench.common import ROOT, Headline, Outcome, cpu_seconds, latency_ms, plot_series, ratio
from bench.context import BenchContext, Skipped
from bench.shop import bench_settings, server_env
from bench.webload import clean_env
from config.settings import Settings
from services.catalog.search import ProductSearch, SearchQuery
from services.catalog.search_sql import SqlProductSearch
from services.kernel.db import create_engine, session_factory
from services.kernel.pagination import PageRequest
from services.migrate import upgrade_async

NAME = "search"
DESCRIPTION = (
    "p50/p95 of typical product queries over 100,000 generated products on the "
    "Elasticsearch backend vs the SQL backend, and `domtok search reindex` rate."
)
# A query slower than this counts as failed: the API itself gives up on Elasticsearch after
# 3 s (DOMTOK_ELASTICSEARCH_TIMEOUT) and answers from SQL.
ES_TIMEOUT = 10.0
# Filter-only queries first: a text query that times out may keep the server busy.
QUERIES: dict[str, SearchQuery] = {
    "category only": SearchQuery(category="Electronics"),
    "option + in stock": SearchQuery(options={"color": "red"}, in_stock=True),
    "browse page 5, newest": SearchQuery(sort="newest", page=PageRequest(page=5, page_size=20)),
    "word + max price": SearchQuery(text="waterproof", max_price=10_000),
    "word, price ascending": SearchQuery(text="black", sort="price_asc"),
    "words + category": SearchQuery(text="wool jacket", category="Clothing"),
    "two words": SearchQuery(text="running shoes"),
    "three words": SearchQuery(text="ergonomic office chair"),
}


async def _database(ctx: BenchContext) -> Settings:
    if ctx.need_postgres():
        return await ctx.fixtures.postgres_empty("search")
    directory = ctx.fixtures.new_dir("search")
    settings = bench_settings(directory, f"sqlite+aiosqlite:///{directory / 'domtok.db'}")
    await upgrade_async(settings.database_url)
    return settings


def reindex(settings: Settings, batch_size: int, server_pid: int | None) -> dict[str, Any]:
    """Run ``domtok search reindex`` as a user would: wall time, documents indexed, and the CPU
    time spent by the command and by the search server (where the time goes)."""
    env = clean_env(server_env(settings))
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    children_cpu = _children_cpu()
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
        "command_cpu_s": round(_children_cpu() - children_cpu, 2),
        "search_server_cpu_s": (
            round(cpu_seconds(server_pid) - server_cpu, 2) if server_pid else None
        ),
    }


def wait_until_idle(pid: int | None, limit: float) -> float | None:
    """Wait until the search server uses under 5% of a core over 3 s (it keeps working on a
    fresh index after the bulk requests returned); returns the seconds waited."""
    if pid is None:
        return None
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        before = cpu_seconds(pid)
        time.sleep(3)
        if cpu_seconds(pid) - before < 0.15:
            break
    return round(time.perf_counter() - started, 1)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _Settler:
    """After a failed query, waits until the server counts the index within a second again (it
    may still be busy with the query the client gave up on): at most 45 s each time and
    ``total`` seconds over the run, so a saturated server cannot stall the benchmark."""

    def __init__(self, client: Any, alias: str, total: float) -> None:
        self._client = client.options(request_timeout=5)
        self._alias = alias
        self._left = total

    async def wait(self) -> float:
        """Seconds waited."""
        started = time.perf_counter()
        limit = min(45.0, self._left)
        while time.perf_counter() - started < limit:
            asked = time.perf_counter()
            try:
                await self._client.count(index=self._alias)
                if time.perf_counter() - asked < 1.0:
                    break
            except Exception:  # still busy or refusing: keep waiting
                pass
            await asyncio.sleep(2)
        waited = time.perf_counter() - started
        self._left = max(self._left - waited, 0.0)
        return waited


async def _drop_index(client: Any, alias: str) -> None:
    """Delete the indices behind the benchmark's alias (names are unique to this run)."""
    for name in (alias, f"{alias}-building"):
        try:
            found = await client.indices.get_alias(name=name)
        except Exception:  # a missing alias is fine: nothing to drop
            continue
        for index in found:
            await client.indices.delete(index=index, ignore_unavailable=True)


async def _timed(engine: ProductSearch, query: SearchQuery) -> tuple[float, int | None]:
    """Seconds taken and hits (None when the engine failed or timed out)."""
    started = time.perf_counter()
    try:
        total: int | None = (await engine.search(query)).total
    except Exception:  # a timeout is a result here: recorded, not raised
        total = None
    return time.perf_counter() - started, total


Settle = Callable[[], Awaitable[float]]


async def measure(
    engines: dict[str, ProductSearch], reps: int, budget_s: float, settle: Settle
) -> dict[str, Any]:
    """Each query up to ``reps`` times per engine, alternating, within ``budget_s`` per query
    and engine; the first call warms up unless it alone exceeds the budget (then it is the
    one sample). Latencies, hit counts, and which queries failed or timed out."""
    timings: dict[str, dict[str, list[float]]] = {e: {q: [] for q in QUERIES} for e in engines}
    hits: dict[str, dict[str, int | None]] = {e: {} for e in engines}
    waited: dict[str, float] = {}
    for label, query in QUERIES.items():
        spent = dict.fromkeys(engines, 0.0)
        for name, engine in engines.items():
            seconds, hits[name][label] = await _timed(engine, query)
            spent[name] += seconds
            if hits[name][label] is None or seconds > budget_s:
                timings[name][label].append(seconds)
            if hits[name][label] is None:
                waited[label] = round(await settle(), 1)
        for _ in range(reps):
            for name, engine in engines.items():
                if hits[name][label] is None or spent[name] > budget_s:
                    continue
                seconds, _hits = await _timed(engine, query)
                spent[name] += seconds
                timings[name][label].append(seconds)
    result: dict[str, Any] = {"seconds_waited_for_server_after_failure": waited}
    for name in engines:
        every = [t for times in timings[name].values() for t in times]
        result[name] = {
            "all_queries": latency_ms(every),
            "per_query": {
                label: {
                    "hits": hits[name][label],
                    "failed_or_timed_out": hits[name][label] is None,
                    "samples": len(timings[name][label]),
                    **latency_ms(timings[name][label]),
                }
                for label in QUERIES
            },
        }
    return result


async def run(ctx: BenchContext) -> Outcome:
    """Generate, reindex, query."""
    if "elasticsearch" not in ctx.servers.ensure("elasticsearch"):
        reason = ctx.servers.unavailable.get("elasticsearch")
        raise Skipped(f"the Elasticsearch server is unavailable: {reason}")
    products = ctx.size(100_000, 3_000)
    alias = f"dtbench-products-{secrets.token_hex(4)}"
    base = await _database(ctx)
    settings = bench_settings(
        base.data_dir,
        base.database_url,
        elasticsearch_url=ctx.servers.elasticsearch_url(),
        elasticsearch_index=alias,
        elasticsearch_timeout=ES_TIMEOUT,
    )
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    from services.catalog.search_es import EsProductSearch, elasticsearch_client

    client = elasticsearch_client(settings.elasticsearch_url, ES_TIMEOUT)
    try:
        started = time.perf_counter()
        rows = await generate(sessions, products, settings.currency)
        generated_s = time.perf_counter() - started
        server_pid = ctx.servers.pid("elasticsearch")
        indexing = reindex(settings, 1000, server_pid)
        indexing["server_busy_after_reindex_s"] = wait_until_idle(server_pid, ctx.seconds(240, 30))
        engines: dict[str, ProductSearch] = {
            "elasticsearch": EsProductSearch(client, alias),
            "sql": SqlProductSearch(sessions, settings.currency),
        }
        settle = _Settler(client, alias, total=ctx.seconds(150, 30))
        measured = await measure(engines, ctx.size(15, 3), ctx.seconds(15, 5), settle.wait)
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
            es["p50_ms"],
            sql["p50_ms"],
            "p50_latency_ratio",
            figures["p50_latency_ratio"],
            unit="ms",
        ),
        Headline(
            f"search p95 over {rows['products']:,} products, Elasticsearch vs SQL",
            es["p95_ms"],
            sql["p95_ms"],
            "p95_latency_ratio",
            figures["p95_latency_ratio"],
            unit="ms",
        ),
    ]
    notes = [
        f"domtok search reindex: {indexing['documents']:,} products in {indexing['wall_s']} s "
        f"= {indexing['documents_per_s']:,} products/s (process start included; CPU: command "
        f"{indexing['command_cpu_s']} s, search server {indexing['search_server_cpu_s']} s); "
        f"the server then kept working {indexing['server_busy_after_reindex_s']} s more, "
        "queries started after that"
    ]
    for engine in ("elasticsearch", "sql"):
        result = measured[engine]
        failed = [q for q, v in result["per_query"].items() if v["failed_or_timed_out"]]
        if failed:
            notes.append(
                f"{engine}: {', '.join(failed)} failed or took over {ES_TIMEOUT:.0f} s "
                "(counted at the time they took; the API would have answered them from SQL "
                "after its own 3 s timeout)"
            )
    slowest = max(QUERIES, key=lambda q: measured["elasticsearch"]["per_query"][q]["p50_ms"])
    notes.append(
        f"slowest Elasticsearch query: {slowest} "
        f"(p50 {measured['elasticsearch']['per_query'][slowest]['p50_ms']:.0f} ms vs SQL "
        f"{measured['sql']['per_query'][slowest]['p50_ms']:.0f} ms)"
    )
    series = {
        "search: elasticsearch": plot_series(es),
        f"search: sql ({figures['sql_database']})": plot_series(sql),
    }
    return Outcome(figures, headlines, series, notes)
