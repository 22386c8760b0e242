"""Search fails safe: when Elasticsearch cannot answer, SQL does, with a warning and a metric;
when it is back, Elasticsearch answers again. The fault test stops the real server mid-test."""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import Settings
from services.bootstrap import Container
from services.catalog.schemas import CategoryIn
from services.catalog.search import SearchQuery
from services.kernel.metrics import SEARCH_FALLBACKS, SEARCH_REQUESTS
from tests.integration.stack import (
    admin_actor,
    build,
    product,
    server_env,
    services,
    stack_settings,
    unique,
    variant,
)

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _count(metric: object, **labels: str) -> float:
    return float(metric.labels(**labels)._value.get())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from services.migrate import upgrade

    path = tmp_path_factory.mktemp("fallback-template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _stocked(settings: Settings) -> Container:
    container = build(settings)
    actor = await admin_actor(container)
    shoes = await container.catalog.create_category(actor, CategoryIn(name="Shoes"))
    await product(container, actor, shoes.id, "Trail running shoes", [variant({"size": "M"}, 6000)])
    return container


@pytest.fixture
async def unreachable(tmp_path: Path, migrated: Path) -> AsyncIterator[Container]:
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    url = f"http://127.0.0.1:{_closed_port()}"
    container = await _stocked(stack_settings(database, elasticsearch_url=url))
    yield container
    await container.aclose()


async def test_elasticsearch_unreachable_falls_back_to_sql_with_warning_and_metric(
    unreachable: Container, caplog: pytest.LogCaptureFixture
) -> None:
    before = _count(SEARCH_FALLBACKS, reason="unreachable")
    with caplog.at_level(logging.WARNING, logger="services.catalog.search_fallback"):
        page = await unreachable.catalog.search_products(SearchQuery(text="running"))
    assert [item.name for item in page.items] == ["Trail running shoes"]
    assert page.facets is not None
    assert page.facets.categories[0].value == "Shoes"
    assert _count(SEARCH_FALLBACKS, reason="unreachable") == before + 1
    assert "falls back to SQL" in caplog.text


async def test_elasticsearch_without_an_index_falls_back_to_sql(
    tmp_path: Path, migrated: Path
) -> None:
    url = server_env("DOMTOK_ELASTICSEARCH_URL")
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    settings = stack_settings(
        database, elasticsearch_url=url, elasticsearch_index=unique("never-built")
    )
    container = await _stocked(settings)
    try:
        before = _count(SEARCH_FALLBACKS, reason="no_index")
        page = await container.catalog.search_products(SearchQuery(text="shoes"))
        assert [item.name for item in page.items] == ["Trail running shoes"]
        assert _count(SEARCH_FALLBACKS, reason="no_index") == before + 1
    finally:
        await container.aclose()


async def test_elasticsearch_stopped_mid_test_falls_back_then_recovers(
    tmp_path: Path, migrated: Path
) -> None:
    url = server_env("DOMTOK_ELASTICSEARCH_URL")
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    alias = unique("fault-products")
    # No result cache: every search below must reach the engine that answers it.
    settings = stack_settings(
        database,
        elasticsearch_url=url,
        elasticsearch_index=alias,
        search_retry_seconds=0,
        cache_local_seconds=0,
    )
    container = await _stocked(settings)
    index = container.search.index
    assert index is not None
    await index.reindex()
    query = SearchQuery(text="runing")  # a typo only the fuzzy Elasticsearch query forgives
    try:
        assert [i.name for i in (await container.catalog.search_products(query)).items] == [
            "Trail running shoes"
        ]
        answered = _count(SEARCH_REQUESTS, engine="sql")
        services("stop", "elasticsearch")
        try:
            fallback = await container.catalog.search_products(query)
            assert fallback.items == []  # SQL's LIKE has no fuzziness: proof SQL answered
            sql_hit = await container.catalog.search_products(SearchQuery(text="running"))
            assert [i.name for i in sql_hit.items] == ["Trail running shoes"]
            assert _count(SEARCH_REQUESTS, engine="sql") == answered + 2
        finally:
            services("start", "elasticsearch")
        recovered = await container.catalog.search_products(query)
        assert [i.name for i in recovered.items] == ["Trail running shoes"]
    finally:
        client = container.search.client
        assert client is not None
        found = await client.indices.get(index=f"{alias}-*", allow_no_indices=True)
        if found.body:
            await client.indices.delete(index=",".join(found.body))
        await container.aclose()
