"""The Redis cache of product pages and search results.

Entries are never deleted; they are *versioned*. A product page is stored under the catalog's
and the product's version numbers, a search page under the catalog's and the search version,
and committed changes bump versions (the :meth:`RedisCatalogCache.on_event` bus handler), so
the next read misses and loads fresh data. A read takes the versions before it queries the
database, so a page loaded while a change commits lands under the old version, where nobody
looks any more. Stale data can therefore not outlive a commit, and old entries simply expire.

- ``product.*`` and ``variant.*`` events bump their product (and the search version);
- ``stock.changed`` (by variant) bumps the product that variant belongs to, found through a
  ``variant -> product`` key written with each cached page (no page cached, nothing to bump);
- ``category.*`` events bump the catalog version, which every entry includes.

When Redis fails, reads go to the database and the failure is logged by the guard.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.catalog.cache import ProductLoader, SearchLoader, query_digest
from services.catalog.schemas import ProductOut
from services.catalog.search import SearchPage, SearchQuery
from services.kernel.events import DomainEvent
from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable, script_call

PREFIX = f"{KEY_PREFIX}cache:"
CATALOG_VERSION = PREFIX + "catalog-ver"
SEARCH_VERSION = PREFIX + "search-ver"

# KEYS: catalog version, second version; ARGV: the entry's key prefix. Returns the versions
# and the entry stored under them (or nil).
READ = """
local catalog = redis.call('GET', KEYS[1]) or '0'
local own = redis.call('GET', KEYS[2]) or '0'
return {catalog, own, redis.call('GET', ARGV[1] .. catalog .. ':' .. own) or false}
"""
# KEYS: the search version; ARGV: the changed variant's mapping key and the product-version
# key prefix. Bumps the product of a variant whose page is cached, and the search version.
BUMP_VARIANT = """
local product = redis.call('GET', ARGV[1])
if product then
  redis.call('INCR', ARGV[2] .. product .. ':ver')
end
return redis.call('INCR', KEYS[1])
"""


class RedisCatalogCache:
    """Versioned entries in Redis, invalidated by committed catalog events."""

    def __init__(self, guard: RedisGuard, *, product_ttl: int, search_ttl: int) -> None:
        self._guard = guard
        self._product_ttl = product_ttl
        self._search_ttl = search_ttl
        self._read = guard.client.register_script(READ)
        self._bump_variant = guard.client.register_script(BUMP_VARIANT)

    async def product(self, product_id: str, load: ProductLoader) -> ProductOut:
        """A product page; misses also record which product each variant belongs to."""
        page, body = await self._product(product_id, load)
        return page if page is not None else ProductOut.model_validate_json(body or b"")

    async def product_json(self, product_id: str, load: ProductLoader) -> bytes:
        """:meth:`product` as JSON (a hit is sent as Redis holds it)."""
        page, body = await self._product(product_id, load)
        return body if body is not None else _json(page)

    async def search(self, query: SearchQuery, load: SearchLoader) -> SearchPage:
        """A search page, keyed by a digest of every field of the query."""
        page, body = await self._search_page(query, load)
        return page if page is not None else SearchPage.model_validate_json(body or b"")

    async def search_json(self, query: SearchQuery, load: SearchLoader) -> bytes:
        """:meth:`search` as JSON (a hit is sent as Redis holds it)."""
        page, body = await self._search_page(query, load)
        return body if body is not None else _json(page)

    async def _product(
        self, product_id: str, load: ProductLoader
    ) -> tuple[ProductOut | None, bytes | None]:
        base = f"{PREFIX}product:{product_id}:"
        found = await self._get(base + "ver", base + "v")
        if found is None:
            return await load(), None
        versions, cached = found
        if cached is not None:
            return None, cached
        page = await load()
        body = page.model_dump_json().encode()
        mappings = {f"{PREFIX}variant:{v.id}": product_id for v in page.variants}
        await self._put(base + "v" + versions, body, self._product_ttl, mappings)
        return page, body

    async def _search_page(
        self, query: SearchQuery, load: SearchLoader
    ) -> tuple[SearchPage | None, bytes | None]:
        base = f"{PREFIX}search:{query_digest(query)}:"
        found = await self._get(SEARCH_VERSION, base)
        if found is None:
            return await load(), None
        versions, cached = found
        if cached is not None:
            return None, cached
        page = await load()
        body = page.model_dump_json().encode()
        await self._put(base + versions, body, self._search_ttl, {})
        return page, body

    async def on_event(self, event: DomainEvent) -> None:
        """Bus handler: bump the versions a committed change makes stale."""
        family = event.type.split(".", 1)[0]
        try:
            if family == "category":
                await self._guard.run("bump cache", lambda r: r.incr(CATALOG_VERSION))
            elif family == "stock":
                keys = [SEARCH_VERSION]
                args = [f"{PREFIX}variant:{event.aggregate_id}", f"{PREFIX}product:"]
                await self._guard.run("bump cache", script_call(self._bump_variant, keys, args))
            elif family in ("product", "variant"):
                product_id = event.payload.get("product_id") or event.aggregate_id
                await self._bump_product(str(product_id))
        except RedisUnavailable:
            # Entries made stale now live until their TTL; the guard logged the failure.
            return

    async def _bump_product(self, product_id: str) -> None:
        async def bump(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                pipe.incr(f"{PREFIX}product:{product_id}:ver")
                pipe.incr(SEARCH_VERSION)
                await pipe.execute()

        await self._guard.run("bump cache", bump)

    async def _get(self, own_version: str, entry_prefix: str) -> tuple[str, bytes | None] | None:
        """``("<catalog>:<own>", entry or None)``, or None when Redis is unavailable."""
        try:
            catalog, own, cached = await self._guard.run(
                "read cache",
                script_call(self._read, [CATALOG_VERSION, own_version], [entry_prefix]),
            )
        except RedisUnavailable:
            return None
        return f"{_text(catalog)}:{_text(own)}", cached

    async def _put(self, key: str, value: bytes, ttl: int, mappings: dict[str, str]) -> None:
        async def write(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                # The mappings outlive the page, so a cached page always has them.
                for mapping, product_id in mappings.items():
                    pipe.set(mapping, product_id, ex=ttl * 2)
                pipe.set(key, value, ex=ttl)
                await pipe.execute()

        try:
            await self._guard.run("write cache", write)
        except RedisUnavailable:
            return


def _json(page: BaseModel | None) -> bytes:
    assert page is not None
    return page.model_dump_json().encode()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
