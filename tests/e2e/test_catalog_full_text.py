"""GET /products full-text keywords: stemming, case, ranking, Chinese, query syntax as plain
text, and the index following every catalog write (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from services.bootstrap import Container
from services.catalog.models import Product
from services.catalog.search import SearchQuery
from tests.e2e.catalog_helpers import create_category, create_product, sign_in, variant
from tests.search_cases import CASES, SYNTAX, admin, build_catalog


async def names(client: httpx.AsyncClient, q: str, **params: Any) -> list[str]:
    response = await client.get("/products", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture
async def catalog(container: Container) -> dict[str, str]:
    """The shared search catalog (tests/search_cases.py)."""
    return await build_catalog(container, await admin(container))


async def test_keywords_match_stemmed_and_case_folded_words_best_first(
    client: httpx.AsyncClient, catalog: dict[str, str]
) -> None:
    found = {q: await names(client, q) for q, _ in CASES}
    assert found == dict(CASES)


@pytest.mark.parametrize("q", SYNTAX)
async def test_query_syntax_characters_are_plain_text(
    client: httpx.AsyncClient, catalog: dict[str, str], q: str
) -> None:
    await names(client, q)


async def test_facets_filters_and_sorts_apply_to_full_text_hits(
    client: httpx.AsyncClient, catalog: dict[str, str]
) -> None:
    body = (await client.get("/products", params={"q": "yoga", "page_size": 2})).json()
    assert (body["total"], [i["name"] for i in body["items"]]) == (3, ["Yoga Mat", "Cork Strap"])
    assert body["facets"]["categories"] == [{"value": "Fitness", "count": 3}]
    assert await names(client, "yoga", option="color:purple") == ["Yoga Mat"]
    assert await names(client, "yoga", category="Footwear") == []
    assert await names(client, "yoga", sort="newest") == ["Cork Strap", "Foam Block", "Yoga Mat"]
    assert await names(client, "yoga", page=2, page_size=2) == ["Foam Block"]


async def test_the_index_follows_product_variant_and_category_writes(
    client: httpx.AsyncClient, container: Container
) -> None:
    merchant = await sign_in(client, container, "merchant")
    category = await create_category(client, merchant, "Outdoor")
    product = await create_product(
        client, merchant, category["id"], "Camping Lanterns", [variant({"color": "amber"}, 900)]
    )
    pid, headers = product["id"], merchant.headers
    assert await names(client, "lantern") == ["Camping Lanterns"]

    await client.patch(f"/products/{pid}", json={"name": "Camp Stove"}, headers=headers)
    assert (await names(client, "lantern"), await names(client, "stoves")) == ([], ["Camp Stove"])
    await client.patch(f"/products/{pid}", json={"search_terms": "野营炉 burner"}, headers=headers)
    assert await names(client, "burners") == await names(client, "野营炉") == ["Camp Stove"]

    added = await client.post(
        f"/products/{pid}/variants", json=variant({"color": "teal"}, 950), headers=headers
    )
    assert await names(client, "teal") == ["Camp Stove"]
    await client.patch(
        f"/variants/{added.json()['id']}", json={"is_available": False}, headers=headers
    )
    assert await names(client, "teal") == []
    await client.delete(f"/variants/{product['variants'][0]['id']}", headers=headers)
    assert await names(client, "amber") == []

    await client.patch(f"/categories/{category['id']}", json={"name": "Hiking"}, headers=headers)
    assert (await names(client, "outdoor"), await names(client, "hiking")) == ([], ["Camp Stove"])
    await client.delete(f"/products/{pid}", headers=headers)
    assert await names(client, "stove") == []
    await client.patch(f"/products/{pid}", json={"is_active": True}, headers=headers)
    assert await names(client, "stove") == ["Camp Stove"]


async def test_a_deleted_product_row_leaves_the_index(
    container: Container, catalog: dict[str, str]
) -> None:
    async with container.uow() as uow:
        session = uow.session
        await session.execute(delete(Product).where(Product.id == catalog["Cork Strap"]))
        if session.get_bind().dialect.name == "sqlite":
            indexed = await session.scalar(text("SELECT count(*) FROM product_search"))
            keys = await session.scalar(text("SELECT count(*) FROM product_search_keys"))
        else:
            # The vector is a column of the row: it goes with it.
            indexed = keys = await session.scalar(
                select(func.count()).where(text("search_vector IS NOT NULL")).select_from(Product)
            )
        await uow.commit()
    assert indexed == keys == len(catalog) - 1
    page = await container.catalog.search_products(SearchQuery(text="strap"))
    assert page.items == []
