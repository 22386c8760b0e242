"""The Elasticsearch product search against the real server: mapping, relevance, filters,
facets, sorting, paging, the reindex alias swap, the indexer, and the API's facets."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from services.bootstrap import Container
from services.catalog.schemas import CategoryIn, ProductPatch, VariantPatch
from services.catalog.search import SearchQuery
from services.catalog.search_es_index import EsProductIndex
from services.catalog.search_sql import SqlProductSearch
from services.kernel.actor import Actor
from services.kernel.pagination import PageRequest
from tests.integration.stack import (
    admin_actor,
    build,
    product,
    server_env,
    stack_settings,
    unique,
    variant,
)

pytestmark = pytest.mark.integration


@dataclass
class Shop:
    """A container searching Elasticsearch, over a small catalog, and its index."""

    container: Container
    index: EsProductIndex
    actor: Actor
    ids: dict[str, str]

    async def names(self, **query: object) -> list[str]:
        page = await self.container.catalog.search_products(SearchQuery(**query))  # type: ignore[arg-type]
        return [item.name for item in page.items]


async def _catalog(container: Container, actor: Actor) -> dict[str, str]:
    categories = {}
    for name in ("Shoes", "Shirts", "Bags"):
        created = await container.catalog.create_category(actor, CategoryIn(name=name))
        categories[name] = created.id
    specs = [
        (
            "Trail running shoes",
            "Shoes",
            "Light and grippy.",
            [
                variant({"color": "Red", "size": "M"}, 6000, 5),
                variant({"color": "Blue", "size": "L"}, 6500, 0),
            ],
        ),
        (
            "Leather boots",
            "Shoes",
            "Sturdy shoes for hiking.",
            [
                variant({"color": "Brown", "size": "L"}, 12000, 2),
            ],
        ),
        (
            "Running shirt",
            "Shirts",
            "Breathable.",
            [variant({"color": "Red", "size": "S"}, 2000, 9)],
        ),
        (
            "Linen shirt",
            "Shirts",
            "Cool in summer.",
            [
                variant({"color": "White", "size": "M"}, 4000, 0),
            ],
        ),
        ("Canvas tote bag", "Bags", "Carries everything.", [variant({}, 1500, 3)]),
        ("Discontinued bag", "Bags", "Gone.", [variant({}, 999, 3)]),
    ]
    ids = {}
    for name, category, description, variants in specs:
        created = await product(container, actor, categories[category], name, variants, description)
        ids[name] = created.id
    await container.catalog.delete_product(actor, ids["Discontinued bag"])
    return ids


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from services.migrate import upgrade

    path = tmp_path_factory.mktemp("es-template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def shop(tmp_path: Path, migrated: Path) -> AsyncIterator[Shop]:
    url = server_env("DOMTOK_ELASTICSEARCH_URL")
    database = tmp_path / "domtok.db"
    shutil.copy(migrated, database)
    settings = stack_settings(
        database, elasticsearch_url=url, elasticsearch_index=unique("test-products")
    )
    container = build(settings)
    index = container.search.index
    assert index is not None
    actor = await admin_actor(container)
    ids = await _catalog(container, actor)
    await index.reindex()
    try:
        yield Shop(container, index, actor, ids)
    finally:
        client = container.search.client
        assert client is not None
        found = await client.indices.get(index=f"{index.alias}-*", allow_no_indices=True)
        if found.body:
            await client.indices.delete(index=",".join(found.body))
        await container.aclose()


async def test_elasticsearch_index_has_the_explicit_mapping(shop: Shop) -> None:
    client = shop.container.search.client
    assert client is not None
    mapping = (await client.indices.get_mapping(index=shop.index.alias)).body
    (properties,) = [m["mappings"]["properties"] for m in mapping.values()]
    assert properties["name"]["type"] == "text"
    assert properties["name"]["fields"]["keyword"]["type"] == "keyword"
    assert properties["category"]["fields"]["keyword"]["type"] == "keyword"
    assert properties["prices"]["type"] == "long"
    assert properties["option_pairs"]["type"] == "keyword"
    assert properties["in_stock"]["type"] == "boolean"
    assert [m["mappings"]["dynamic"] for m in mapping.values()] == ["strict"]


async def test_elasticsearch_ranks_name_matches_above_description_matches(shop: Shop) -> None:
    names = await shop.names(text="shoes")
    assert names[0] == "Trail running shoes"
    assert "Leather boots" in names  # only its description says shoes


async def test_elasticsearch_search_is_fuzzy_and_matches_prefixes(shop: Shop) -> None:
    assert await shop.names(text="runing shoes") == ["Trail running shoes"]
    assert set(await shop.names(text="run")) == {"Trail running shoes", "Running shirt"}


async def test_elasticsearch_matches_option_values_as_text(shop: Shop) -> None:
    assert set(await shop.names(text="white")) == {"Linen shirt"}


async def test_elasticsearch_never_finds_deleted_products(shop: Shop) -> None:
    assert await shop.names(text="discontinued") == []


async def test_elasticsearch_filters_category_price_stock_and_options(shop: Shop) -> None:
    assert set(await shop.names(category="shoes")) == {"Trail running shoes", "Leather boots"}
    assert await shop.names(min_price=5000, max_price=7000) == ["Trail running shoes"]
    in_stock = await shop.names(in_stock=True)
    assert "Linen shirt" not in in_stock
    assert len(in_stock) == 4
    assert set(await shop.names(options={"color": "RED"})) == {
        "Trail running shoes",
        "Running shirt",
    }
    assert await shop.names(options={"color": "red", "size": "m"}) == ["Trail running shoes"]


async def test_elasticsearch_counts_facets_over_all_hits(shop: Shop) -> None:
    page = await shop.container.catalog.search_products(
        SearchQuery(page=PageRequest(page=1, page_size=1))
    )
    facets = page.facets
    assert facets is not None
    assert len(page.items) == 1
    assert {f.value: f.count for f in facets.categories} == {"Shoes": 2, "Shirts": 2, "Bags": 1}
    assert {f.value: f.count for f in facets.options["color"]} == {
        "blue": 1,
        "brown": 1,
        "red": 2,
        "white": 1,
    }
    bands = {(f.min, f.max): f.count for f in facets.price_ranges}
    assert bands[(None, 2500)] == 2
    assert bands[(2500, 5000)] == 1
    assert bands[(5000, 10000)] == 1
    assert bands[(10000, 20000)] == 1


async def test_elasticsearch_sorts_by_price_and_age(shop: Shop) -> None:
    assert await shop.names(sort="price_asc") == [
        "Canvas tote bag",
        "Running shirt",
        "Linen shirt",
        "Trail running shoes",
        "Leather boots",
    ]
    assert (await shop.names(sort="price_desc"))[:2] == ["Leather boots", "Trail running shoes"]
    assert (await shop.names(sort="newest"))[0] == "Canvas tote bag"


async def test_elasticsearch_pages_through_hits_with_the_total(shop: Shop) -> None:
    page = await shop.container.catalog.search_products(
        SearchQuery(page=PageRequest(page=2, page_size=2))
    )
    assert [item.name for item in page.items] == ["Linen shirt", "Running shirt"]
    assert (page.total, page.page, page.page_size) == (5, 2, 2)


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "price_asc"},
        {"category": "Shirts", "sort": "price_asc"},
        {"options": {"color": "red"}, "sort": "price_asc"},
        {"in_stock": True, "min_price": 1000, "max_price": 6000, "sort": "price_desc"},
    ],
)
async def test_elasticsearch_and_sql_agree_on_filters_and_order(
    shop: Shop, query: dict[str, object]
) -> None:
    sql = SqlProductSearch(shop.container.sessions, "USD")
    expected = await sql.search(SearchQuery(**query))  # type: ignore[arg-type]
    assert await shop.names(**query) == [item.name for item in expected.items]


async def test_elasticsearch_reindex_swaps_the_alias_to_a_new_index(shop: Shop) -> None:
    client = shop.container.search.client
    assert client is not None
    before = set((await client.indices.get_alias(name=shop.index.alias)).body)
    seen: list[tuple[int, int]] = []
    result = await shop.index.reindex(lambda done, total: seen.append((done, total)), batch_size=2)
    after = set((await client.indices.get_alias(name=shop.index.alias)).body)
    assert after == {result.index}
    assert result.index not in before
    assert result.replaced == sorted(before)
    assert result.documents == 5
    assert seen[0] == (0, 5)
    assert seen[-1] == (5, 5)
    assert not await client.indices.exists(index=",".join(before))
    assert len(await shop.names()) == 5


async def test_elasticsearch_indexer_follows_catalog_changes(shop: Shop) -> None:
    indexer = shop.container.search.indexer
    assert indexer is not None
    trail = shop.ids["Trail running shoes"]
    await shop.container.catalog.update_product(shop.actor, trail, ProductPatch(name="Trail racer"))
    detail = await shop.container.catalog.get_product(trail)
    red = next(v for v in detail.variants if v.options["color"] == "Red")
    await shop.container.catalog.update_variant(shop.actor, red.id, VariantPatch(on_hand=0))
    assert await shop.names(text="racer") == []  # not re-indexed yet
    await shop.container.events.relay.drain()  # embedded mode: the relay feeds the indexer
    assert await shop.names(text="racer") == ["Trail racer"]
    assert "Trail racer" not in await shop.names(in_stock=True)


async def test_elasticsearch_matches_search_terms_whatever_their_case(shop: Shop) -> None:
    # The real server has no custom tokenizers: terms are lower-cased before indexing and split
    # by the built-in whitespace analyzer, so each (Chinese or mixed-case) term is one token.
    tote = shop.ids["Canvas tote bag"]
    patch = ProductPatch(search_terms="Beach-Bag 帆布包")
    await shop.container.catalog.update_product(shop.actor, tote, patch)
    await shop.container.events.relay.drain()
    assert await shop.names(text="beach-bag") == ["Canvas tote bag"]
    assert await shop.names(text="BEACH") == ["Canvas tote bag"]
    assert await shop.names(text="白色帆布包") == ["Canvas tote bag"]


async def test_elasticsearch_facets_reach_the_products_endpoint(shop: Shop) -> None:
    app = create_app(container=shop.container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        response = await client.get(
            "/products", params={"q": "shirt", "option": ["color:red"], "page_size": 5}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "page", "page_size", "facets"}
    assert [item["name"] for item in body["items"]] == ["Running shirt"]
    assert body["facets"]["categories"] == [{"value": "Shirts", "count": 1}]
    assert body["facets"]["options"]["size"] == [{"value": "s", "count": 1}]


async def test_elasticsearch_reindex_command_shows_progress_and_moves_the_alias(
    shop: Shop,
) -> None:
    settings = shop.container.settings
    env = {
        **os.environ,
        "DOMTOK_DATABASE_URL": settings.database_url,
        "DOMTOK_DATA_DIR": str(settings.data_dir),
        "DOMTOK_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "DOMTOK_ELASTICSEARCH_INDEX": shop.index.alias,
        "COLUMNS": "200",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cli.main", "search", "reindex"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "5/5" in done.stdout
    assert f"alias {shop.index.alias} moved" in done.stdout
    assert len(await shop.names()) == 5
