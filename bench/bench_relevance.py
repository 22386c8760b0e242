"""Search relevance: recall@10 of labelled shopper queries over the demo catalog, per backend.

The demo shop (``domtok seed --demo``, SQLite) answers the queries of
``bench/search_relevance.yaml`` through each engine directly (no cache, no fallback): the SQL
full-text engine; the hybrid SQL engine (``DOMTOK_SEARCH_VECTORS=on``) when the ``vector``
extra is installed, with its query latency, the model's load time and embedding rate; and
Elasticsearch when a node answers or can be started.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.bench_search import _drop_index
from bench.common import Headline, Outcome, latency_ms, plot_series, ratio
from bench.context import BenchContext
from bench.relevance import K, Labelled, load_set, score
from config.settings import Settings
from services.catalog.embeddings import MiniLmEmbedder, minilm_installed, product_text
from services.catalog.models import Category, Product
from services.catalog.search import ProductSearch, SearchQuery
from services.catalog.search_sql import SqlProductSearch
from services.kernel.db import create_engine, session_factory
from services.kernel.pagination import PageRequest

NAME = "search_relevance"
DESCRIPTION = (
    "recall@10 of labelled shopper queries (English and Chinese) over the demo catalog: SQL "
    "full-text, hybrid SQL + vectors, Elasticsearch; hybrid latency and embedding rate."
)
ES_TIMEOUT = 10.0
MISSING_EXTRA = "the `vector` extra is not installed (pip install -e '.[vector]')"


async def _answers(
    engine: ProductSearch, queries: list[Labelled], reps: int
) -> tuple[dict[str, list[str]], list[float]]:
    """Each query's first page of names, and ``reps`` timed runs of every query after it."""
    found: dict[str, list[str]] = {}
    timings: list[float] = []
    for query in queries:
        request = SearchQuery(text=query.text, page=PageRequest(page=1, page_size=K))
        found[query.text] = [item.name for item in (await engine.search(request)).items]
        for _ in range(reps):
            started = time.perf_counter()
            await engine.search(request)
            timings.append(time.perf_counter() - started)
    return found, timings


async def _catalog_texts(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(Product.name, Category.name, Product.description, Product.search_terms).join(
                Category, Category.id == Product.category_id
            )
        )
        return [product_text(*row) for row in rows]


async def _hybrid(
    ctx: BenchContext, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> tuple[ProductSearch, dict[str, Any]]:
    """The hybrid engine over a fully embedded catalog, and the model's figures."""
    from services.catalog.search_hybrid import HybridProductSearch
    from services.catalog.vectors import ProductVectors

    embedder = MiniLmEmbedder(settings.search_vector_threads)
    vectors = ProductVectors(sessions, embedder, settings.search_vector_check_seconds)
    started = time.perf_counter()
    await vectors.embed(["warm up"])
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    embedded = await vectors.embed_all()
    catalog_s = time.perf_counter() - started
    texts = await _catalog_texts(sessions)
    batch = (texts * (ctx.size(500, 100) // len(texts) + 1))[: ctx.size(500, 100)]
    started = time.perf_counter()
    await vectors.embed(batch)
    batch_s = time.perf_counter() - started
    engine = HybridProductSearch(
        SqlProductSearch(sessions, settings.currency),
        vectors,
        hits=settings.search_vector_hits,
        min_similarity=settings.search_vector_min_similarity,
    )
    figures = {
        "model": embedder.model,
        "model_load_s": round(load_s, 2),
        "demo_catalog_embedded": embedded,
        "demo_catalog_embed_and_store_s": round(catalog_s, 2),
        "embedding_rate_products_per_s": round(len(batch) / batch_s, 1),
        "embedding_rate_sample": len(batch),
        "min_similarity": settings.search_vector_min_similarity,
        "max_added_hits": settings.search_vector_hits,
        "torch_threads": settings.search_vector_threads,
    }
    return engine, figures


async def _elasticsearch(
    ctx: BenchContext, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> tuple[ProductSearch, Any, str]:
    """An Elasticsearch engine over the demo catalog, its client and its alias."""
    from services.catalog.search_es import EsProductSearch, elasticsearch_client
    from services.catalog.search_es_index import EsProductIndex
    from services.catalog.search_source import CatalogDocuments

    client = elasticsearch_client(ctx.servers.elasticsearch_url(), ES_TIMEOUT)
    alias = f"dtbench-relevance-{secrets.token_hex(4)}"
    index = EsProductIndex(client, alias, CatalogDocuments(sessions, settings.currency))
    await index.reindex()
    return EsProductSearch(client, alias), client, alias


async def run(ctx: BenchContext) -> Outcome:
    """Seed, index, ask every labelled query of every engine."""
    queries = load_set()
    settings = await ctx.fixtures.sqlite_demo("relevance")
    database = create_engine(settings.database_url)
    sessions = session_factory(database)
    engines: dict[str, ProductSearch] = {"sql": SqlProductSearch(sessions, settings.currency)}
    skipped: dict[str, str] = {}
    vector_figures: dict[str, Any] = {}
    es: tuple[Any, str] | None = None
    try:
        if minilm_installed():
            engines["sql_hybrid"], vector_figures = await _hybrid(ctx, settings, sessions)
        else:
            skipped["sql_hybrid"] = MISSING_EXTRA
        reps = ctx.size(5, 1)
        # Timed before the Elasticsearch node starts: its JVM on the same two cores slowed the
        # model's forward passes twentyfold.
        answered = {name: await _answers(e, queries, reps) for name, e in engines.items()}
        if "elasticsearch" in ctx.servers.ensure("elasticsearch"):
            engine, client, alias = await _elasticsearch(ctx, settings, sessions)
            es = (client, alias)
            answered["elasticsearch"] = await _answers(engine, queries, reps)
        else:
            skipped["elasticsearch"] = ctx.servers.unavailable.get("elasticsearch", "unavailable")
    finally:
        if es is not None:
            await _drop_index(es[0], es[1])
            await es[0].close()
        await database.dispose()
    return _outcome(queries, answered, skipped, vector_figures)


def _outcome(
    queries: list[Labelled],
    answered: dict[str, tuple[dict[str, list[str]], list[float]]],
    skipped: dict[str, str],
    vector_figures: dict[str, Any],
) -> Outcome:
    engines: dict[str, Any] = {}
    for name, (found, timings) in answered.items():
        engines[name] = {**score(queries, found), "latency": latency_ms(timings), "top": found}
    figures: dict[str, Any] = {
        "catalog": "demo (domtok seed --demo), SQLite",
        "queries": len(queries),
        "families": sorted({q.family for q in queries}),
        "skipped": skipped,
        "vectors": vector_figures,
        "engines": engines,
    }
    key = f"recall_at_{K}"
    headlines = [
        Headline(
            f"recall@{K}, {name} ({len(queries)} labelled queries)",
            result[key],
            1.0,
            f"{name}_{key}",
            result[key],
            goal=">= 0.9",
            met=result[key] >= 0.9,
        )
        for name, result in engines.items()
    ]
    if "sql_hybrid" in engines:
        hybrid, sql = engines["sql_hybrid"]["latency"], engines["sql"]["latency"]
        figures["hybrid_p95_ms"], figures["sql_p95_ms"] = hybrid["p95_ms"], sql["p95_ms"]
        headlines.append(
            Headline(
                "search p95 on the demo catalog, hybrid vs SQL full-text",
                hybrid["p95_ms"],
                sql["p95_ms"],
                "hybrid_p95_latency_ratio",
                ratio(hybrid["p95_ms"], sql["p95_ms"]),
                unit="ms",
            )
        )
    notes = [f"{name} skipped: {reason}" for name, reason in skipped.items()]
    for name, result in engines.items():
        weak = [f"{f} {v:.2f}" for f, v in result["per_family"].items() if v < 0.9]
        if weak:
            notes.append(f"{name}: families under 0.9 recall@{K}: {', '.join(weak)}")
    series = {f"relevance: {name}": plot_series(r["latency"]) for name, r in engines.items()}
    return Outcome(figures, headlines, series, notes)
