"""Products' ``search_terms``: words in any language that search matches like the name.

Multilingual search lives in the catalog data, not in the agent: the demo seed stores the
Chinese product-type words with its products, and a merchant can add their own.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from services.bootstrap import Container
from services.catalog.models import Product
from services.catalog.schemas import MAX_SEARCH_TERMS_LENGTH
from services.catalog.search import contained_terms, parse_keywords
from services.seed.demo import DemoSeeder
from services.users.passwords import Argon2PasswordHasher
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tools.base import for_model


async def _names(client: httpx.AsyncClient, q: str) -> list[str]:
    response = await client.get("/products", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def _product(client: httpx.AsyncClient, container: Container) -> tuple[SignedIn, str]:
    merchant = await sign_in(client, container, "merchant")
    category = await create_category(client, merchant, "Fitness")
    product = await create_product(
        client, merchant, category["id"], "Cork Balance Board", [variant({}, 4_500)]
    )
    return merchant, str(product["id"])


async def _patch(
    client: httpx.AsyncClient, who: SignedIn, product_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"/products/{product_id}", json=body, headers=who.headers)


def test_a_cjk_run_is_one_keyword_and_yields_the_terms_it_may_contain() -> None:
    assert parse_keywords("蓝色瑜伽垫") == ["蓝色瑜伽垫"]
    assert parse_keywords("蓝色 瑜伽垫, T恤") == ["蓝色", "瑜伽垫", "t恤"]
    assert {"蓝色", "瑜伽垫", "瑜伽", "蓝色瑜伽垫"} <= set(contained_terms("蓝色瑜伽垫"))
    assert "垫" not in contained_terms("蓝色瑜伽垫")  # single characters would match too much
    assert "t恤" in contained_terms("白色t恤")
    assert contained_terms("yoga") == []
    assert all(len(term) <= 8 for term in contained_terms("我" * 50))


async def test_the_demo_seed_finds_the_yoga_mat_by_its_chinese_name(
    client: httpx.AsyncClient, container: Container
) -> None:
    await DemoSeeder(container.uow, Argon2PasswordHasher(fast=True)).run()
    assert await _names(client, "瑜伽垫") == ["Yoga Mat"]
    # A run holding the stored term finds it too; the English name still works.
    assert await _names(client, "有货的瑜伽垫吗") == ["Yoga Mat"]
    assert await _names(client, "yoga mat") == ["Yoga Mat"]


async def test_a_second_seed_run_gives_products_seeded_without_terms_their_terms(
    client: httpx.AsyncClient, container: Container
) -> None:
    seeder = DemoSeeder(container.uow, Argon2PasswordHasher(fast=True))
    await seeder.run()
    async with container.uow() as uow:
        await uow.session.execute(
            update(Product).where(Product.name == "Yoga Mat").values(search_terms="")
        )
        await uow.commit()
    again = await seeder.run()
    assert again.created["products given search terms"] == 1
    assert again.created["products"] == 0


async def test_a_merchant_makes_their_product_findable_by_its_search_terms(
    client: httpx.AsyncClient, container: Container
) -> None:
    merchant, product_id = await _product(client, container)
    assert await _names(client, "平衡板") == []
    response = await _patch(client, merchant, product_id, {"search_terms": "平衡板，wobble  board"})
    assert response.status_code == 200, response.text
    assert response.json()["search_terms"] == "平衡板 wobble board"
    detail = await client.get(f"/products/{product_id}")
    assert detail.json()["search_terms"] == "平衡板 wobble board"
    assert await _names(client, "平衡板") == ["Cork Balance Board"]
    assert await _names(client, "木质平衡板") == ["Cork Balance Board"]
    assert await _names(client, "wobble") == ["Cork Balance Board"]


async def test_the_model_is_not_shown_a_products_search_terms(
    client: httpx.AsyncClient, container: Container
) -> None:
    merchant, product_id = await _product(client, container)
    await _patch(client, merchant, product_id, {"search_terms": "平衡板"})
    product = await container.catalog.get_product(product_id)
    assert product.search_terms == "平衡板"
    assert "平衡板" not in for_model(product.model_dump(mode="json"))


async def test_another_merchant_cannot_set_search_terms_on_a_product(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, product_id = await _product(client, container)
    rival = await sign_in(client, container, "merchant")
    response = await _patch(client, rival, product_id, {"search_terms": "平衡板"})
    assert response.status_code == 404, response.text
    assert await _names(client, "平衡板") == []


@pytest.mark.parametrize(
    "terms", ["x" * (MAX_SEARCH_TERMS_LENGTH + 1), " ".join(["瑜伽垫"] * 130), 42]
)
async def test_search_terms_over_the_limit_or_not_text_are_refused(
    client: httpx.AsyncClient, container: Container, terms: object
) -> None:
    merchant, product_id = await _product(client, container)
    response = await _patch(client, merchant, product_id, {"search_terms": terms})
    assert response.status_code == 422, response.text
    created = await client.post(
        "/products",
        json={"name": "Another", "category_id": "cat_x", "search_terms": terms},
        headers=merchant.headers,
    )
    assert created.status_code == 422, created.text
