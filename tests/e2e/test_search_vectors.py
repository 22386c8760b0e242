"""GET /products with hybrid search on (DOMTOK_SEARCH_VECTORS=on), a fake embedder standing in
for the model: close products follow the keyword hits, filters and paging hold, keyword order is
kept, and embeddings follow catalog writes (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from tests.conftest import make_settings
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tests.fake_embedder import FakeEmbedder

# name, category, description, price in minor units
PRODUCTS = [
    ("Trail Boots", "Footwear", "Waterproof leather boots.", 9000),
    ("Camp Mug", "Kitchen", "Enamel, for the campfire.", 1200),
    ("Espresso Maker", "Kitchen", "Makes espresso.", 15000),
    ("Yoga Mat", "Fitness", "Non-slip.", 3000),
    ("Desk Lamp", "Home", "Warm light.", 4000),
]
VAGUE = "a present for a hiker"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Vectors on, every search checking for catalog changes, additions at cosine >= 0.5."""
    return make_settings(
        tmp_path,
        database_url=database_url,
        search_vectors="on",
        search_vector_check_seconds=0,
        search_vector_min_similarity=0.5,
    )


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The container with the fake embedder."""
    built = bootstrap(settings, embedder=FakeEmbedder())
    yield built
    await built.aclose()


@pytest.fixture
async def catalog(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    """:data:`PRODUCTS` created by a merchant: ids by name, and the merchant."""
    merchant = await sign_in(client, container, "merchant")
    categories: dict[str, str] = {}
    ids: dict[str, Any] = {"merchant": merchant}
    for name, category, description, price in PRODUCTS:
        if category not in categories:
            categories[category] = (await create_category(client, merchant, category))["id"]
        body = await create_product(
            client, merchant, categories[category], name, [variant({}, price)], description
        )
        ids[name] = body["id"]
    return ids


async def search(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/products", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def names(client: httpx.AsyncClient, q: str, **params: Any) -> list[str]:
    return [item["name"] for item in (await search(client, q, **params))["items"]]


async def test_a_request_no_product_words_match_finds_the_closest_products(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    body = await search(client, VAGUE)
    assert [item["name"] for item in body["items"]] == ["Trail Boots", "Camp Mug"]
    assert body["total"] == 2
    assert body["facets"]["categories"] == [
        {"value": "Footwear", "count": 1},
        {"value": "Kitchen", "count": 1},
    ]


async def test_keyword_hits_keep_their_order_and_close_products_follow(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert await names(client, "espresso") == ["Espresso Maker", "Camp Mug"]
    assert await names(client, "mug") == ["Camp Mug", "Espresso Maker"]
    first = await search(client, "espresso", page_size=1)
    second = await search(client, "espresso", page_size=1, page=2)
    assert (first["total"], second["total"]) == (2, 2)
    assert [i["name"] for i in first["items"] + second["items"]] == ["Espresso Maker", "Camp Mug"]


async def test_filters_apply_to_close_products_and_other_sorts_use_keywords_only(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert await names(client, VAGUE, category="Kitchen") == ["Camp Mug"]
    assert await names(client, VAGUE, max_price=5000) == ["Camp Mug"]
    assert await names(client, VAGUE, sort="price_asc") == []
    assert len(await names(client, "")) == len(PRODUCTS)


async def test_embeddings_follow_renames_and_deactivation(
    client: httpx.AsyncClient, container: Container, catalog: dict[str, Any]
) -> None:
    merchant: SignedIn = catalog["merchant"]
    lamp, boots = catalog["Desk Lamp"], catalog["Trail Boots"]
    renamed = await client.patch(
        f"/products/{lamp}", json={"name": "Mountain Lamp"}, headers=merchant.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert "Mountain Lamp" in await names(client, VAGUE)
    hidden = await client.patch(
        f"/products/{boots}", json={"is_active": False}, headers=merchant.headers
    )
    assert hidden.status_code == 200, hidden.text
    assert "Trail Boots" not in await names(client, VAGUE)
    assert container.search.vectors is not None
    assert await container.search.vectors.stale_count() == 0
