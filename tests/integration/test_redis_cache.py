"""The Redis cache of product pages and search results: served from Redis until a committed
change makes an entry stale, then fresh at once.

To tell a cached answer from a fresh one, tests change the database behind the services' back
(no event, so no invalidation) and see the old answer; a change through the API then shows.
"""

from __future__ import annotations

import httpx
import pytest
import redis.asyncio as redis_asyncio
from sqlalchemy import update

from services.bootstrap import Container
from services.catalog.models import Product
from tests.e2e.order_helpers import new_buyer, ok, open_shop, place

pytestmark = pytest.mark.integration


async def rename_behind_the_back(container: Container, product_id: str, name: str) -> None:
    """Change a product name in the database without any event."""
    async with container.uow() as uow:
        await uow.session.execute(update(Product).where(Product.id == product_id).values(name=name))
        await uow.session.commit()


async def test_redis_cache_serves_a_product_page_until_the_product_changes(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[3])
    url = f"/products/{shop.product_id}"
    first = ok(await redis_api.get(url))
    assert await redis_keys.keys(f"domtok:cache:product:{shop.product_id}:v[0-9]*")
    await rename_behind_the_back(redis_container, shop.product_id, "Silently renamed")
    assert ok(await redis_api.get(url))["name"] == first["name"]  # from Redis
    patch = {"description": "Now with laces"}
    ok(await redis_api.patch(url, json=patch, headers=shop.admin.headers))
    fresh = ok(await redis_api.get(url))
    assert (fresh["name"], fresh["description"]) == ("Silently renamed", "Now with laces")


async def test_redis_cache_shows_stock_taken_by_an_order_at_once(
    redis_api: httpx.AsyncClient, redis_container: Container
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[3])
    url = f"/products/{shop.product_id}"
    assert ok(await redis_api.get(url))["variants"][0]["available"] == 3
    buyer = await new_buyer(redis_api)
    ok(await place(redis_api, buyer, [(shop.variant_id(0), 2)]), 201)
    assert ok(await redis_api.get(url))["variants"][0]["available"] == 1


async def test_redis_cache_follows_price_and_category_changes(
    redis_api: httpx.AsyncClient, redis_container: Container
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[3], prices=[2500])
    url, admin = f"/products/{shop.product_id}", shop.admin.headers
    ok(await redis_api.get(url))
    variant = f"/variants/{shop.variant_id(0)}"
    ok(await redis_api.patch(variant, json={"price": {"amount": 1999}}, headers=admin))
    assert ok(await redis_api.get(url))["variants"][0]["price"]["amount"] == 1999
    renamed = {"name": "Renamed shelf"}
    ok(await redis_api.patch(f"/categories/{shop.category_id}", json=renamed, headers=admin))
    assert ok(await redis_api.get(url))["category"]["name"] == "Renamed shelf"


async def test_redis_cache_serves_search_results_until_the_catalog_changes(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[3])
    query: dict[str, str | int] = {"q": "runner", "page_size": 100}
    before = ok(await redis_api.get("/products", params=query))
    assert shop.product_id in {item["id"] for item in before["items"]}
    assert await redis_keys.keys("domtok:cache:search:*")
    await rename_behind_the_back(redis_container, shop.product_id, "Quiet boot")
    cached = ok(await redis_api.get("/products", params=query))
    assert cached == before
    ok(
        await redis_api.patch(
            f"/variants/{shop.variant_id(0)}", json={"stock_delta": 1}, headers=shop.admin.headers
        )
    )
    after = ok(await redis_api.get("/products", params=query))
    assert shop.product_id not in {item["id"] for item in after["items"]}


async def test_redis_cache_keys_expire(
    redis_api: httpx.AsyncClient, redis_container: Container, redis_keys: redis_asyncio.Redis
) -> None:
    shop = await open_shop(redis_api, redis_container, stock=[3])
    ok(await redis_api.get(f"/products/{shop.product_id}"))
    ok(await redis_api.get("/products", params={"q": "runner"}))
    settings = redis_container.settings
    for key in await redis_keys.keys("domtok:cache:product:*:v[0-9]*"):
        assert 0 < await redis_keys.ttl(key) <= settings.cache_product_seconds
    for key in await redis_keys.keys("domtok:cache:search:*"):
        assert 0 < await redis_keys.ttl(key) <= settings.cache_search_seconds
