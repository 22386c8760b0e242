"""The in-process catalog cache through the API, on every backend: this process's changes show at
once, another process's once the cached page expires; readers never wait for a writer."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.catalog.schemas import PriceIn, VariantPatch
from services.kernel.actor import Actor
from tests.conftest import make_settings
from tests.e2e.order_helpers import new_buyer, ok, open_shop, place

TTL = 0.5


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings over this test's database, with a short-lived cache."""
    return make_settings(tmp_path, database_url=database_url, cache_local_seconds=TTL)


def price_of(page: dict[str, object], variant_id: str) -> int:
    variants = page["variants"]
    assert isinstance(variants, list)
    found = next(v for v in variants if v["id"] == variant_id)
    return int(found["price"]["amount"])


def available_of(page: dict[str, object], variant_id: str) -> int:
    variants = page["variants"]
    assert isinstance(variants, list)
    return int(next(v for v in variants if v["id"] == variant_id)["available"])


async def test_this_processs_price_and_stock_changes_show_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[5], prices=[1000])
    variant_id = shop.variant_id()
    ok(await client.get(f"/products/{shop.product_id}"))
    ok(await client.get("/products", params={"q": "runner"}))
    patch = {"price": {"amount": 1500}}
    ok(await client.patch(f"/variants/{variant_id}", json=patch, headers=shop.admin.headers))
    page = ok(await client.get(f"/products/{shop.product_id}"))
    assert price_of(page, variant_id) == 1500
    hits = ok(await client.get("/products", params={"q": "runner"}))["items"]
    assert [hit["min_price"]["amount"] for hit in hits if hit["id"] == shop.product_id] == [1500]
    # An order reserves units (its stock event names the variant only).
    buyer = await new_buyer(client)
    ok(await place(client, buyer, [(variant_id, 2)]), 201)
    assert available_of(ok(await client.get(f"/products/{shop.product_id}")), variant_id) == 3


async def test_another_processs_change_shows_once_the_cached_page_expires(
    client: httpx.AsyncClient, container: Container, settings: Settings
) -> None:
    shop = await open_shop(client, container, stock=[5], prices=[1000])
    variant_id = shop.variant_id()
    assert price_of(ok(await client.get(f"/products/{shop.product_id}")), variant_id) == 1000
    other = bootstrap(settings)  # the CLI or a worker: its events never reach this process
    try:
        admin = Actor(shop.admin.user_id, "admin")
        patch = VariantPatch(price=PriceIn(amount=1500))
        await other.catalog.update_variant(admin, variant_id, patch)
    finally:
        await other.aclose()
    changed = time.monotonic()
    while True:
        page = ok(await client.get(f"/products/{shop.product_id}"))
        if price_of(page, variant_id) == 1500:
            break
        assert time.monotonic() - changed < TTL + 1.0, "the stale page outlived the cache's ttl"
        await asyncio.sleep(0.05)


async def test_a_product_page_is_read_while_a_writer_holds_the_database(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[5], prices=[1000])
    async with container.uow() as writer:
        # On SQLite the writer's first statement takes the database's write lock until it ends.
        await writer.session.execute(text("SELECT 1"))
        page = await asyncio.wait_for(container.catalog.get_product(shop.product_id), timeout=5)
        listing = await asyncio.wait_for(container.catalog.list_categories(), timeout=5)
    assert page.id == shop.product_id
    assert any(category.id == shop.category_id for category in listing)
