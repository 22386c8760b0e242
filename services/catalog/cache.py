"""A cache of product pages and search results: the port, and no cache (the embedded default).

The Redis implementation, with versioned entries invalidated by committed events, is
:class:`services.catalog.cache_redis.RedisCatalogCache`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from services.catalog.schemas import ProductOut
from services.catalog.search import ProductSearch, SearchPage, SearchQuery


class CatalogCache(Protocol):
    """Read-through cache of product pages and search pages."""

    async def product(
        self, product_id: str, load: Callable[[], Awaitable[ProductOut]]
    ) -> ProductOut:
        """The cached page of ``product_id``, or ``load()``'s result (then cached)."""
        ...

    async def search(
        self, query: SearchQuery, load: Callable[[], Awaitable[SearchPage]]
    ) -> SearchPage:
        """The cached result of ``query``, or ``load()``'s result (then cached)."""
        ...


class NoCatalogCache:
    """The embedded default: every read goes to the database."""

    async def product(
        self, product_id: str, load: Callable[[], Awaitable[ProductOut]]
    ) -> ProductOut:
        """``load()``."""
        return await load()

    async def search(
        self, query: SearchQuery, load: Callable[[], Awaitable[SearchPage]]
    ) -> SearchPage:
        """``load()``."""
        return await load()


class CachedProductSearch:
    """A :class:`ProductSearch` whose results go through a :class:`CatalogCache`."""

    def __init__(self, engine: ProductSearch, cache: CatalogCache) -> None:
        self._engine = engine
        self._cache = cache

    async def search(self, query: SearchQuery) -> SearchPage:
        """The engine's page for ``query``, cached."""
        return await self._cache.search(query, lambda: self._engine.search(query))


def query_digest(query: SearchQuery) -> str:
    """sha256 of every field of the query as canonical JSON (new fields are included)."""
    fields = dataclasses.asdict(query)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
