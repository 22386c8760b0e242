"""A cache of product pages and search results: the port, and no cache at all.

The implementations: :class:`services.catalog.cache_local.LocalCatalogCache` (in-process, the
embedded default) and :class:`services.catalog.cache_redis.RedisCatalogCache` (when Redis is
configured). Each answers both as schemas (for the agent's tools) and as the JSON body the API
sends, so a cached page is not serialised again for every request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from services.catalog.schemas import ProductOut
from services.catalog.search import SearchPage, SearchQuery
from services.kernel.events import DomainEvent

ProductLoader = Callable[[], Awaitable[ProductOut]]
SearchLoader = Callable[[], Awaitable[SearchPage]]


class CatalogCache(Protocol):
    """Read-through cache of product pages and search pages."""

    async def product(self, product_id: str, load: ProductLoader) -> ProductOut:
        """The cached page of ``product_id``, or ``load()``'s result (then cached)."""
        ...

    async def product_json(self, product_id: str, load: ProductLoader) -> bytes:
        """:meth:`product` as JSON (the API's response body)."""
        ...

    async def search(self, query: SearchQuery, load: SearchLoader) -> SearchPage:
        """The cached result of ``query``, or ``load()``'s result (then cached)."""
        ...

    async def search_json(self, query: SearchQuery, load: SearchLoader) -> bytes:
        """:meth:`search` as JSON (the API's response body)."""
        ...

    async def on_event(self, event: DomainEvent) -> None:
        """Drop what a committed (or, from the search indexer, newly indexed) change staled."""
        ...


class NoCatalogCache:
    """Every read goes to the database (``cache_local_seconds = 0`` without Redis)."""

    async def product(self, product_id: str, load: ProductLoader) -> ProductOut:
        """``load()``."""
        return await load()

    async def product_json(self, product_id: str, load: ProductLoader) -> bytes:
        """``load()`` as JSON."""
        return (await load()).model_dump_json().encode()

    async def search(self, query: SearchQuery, load: SearchLoader) -> SearchPage:
        """``load()``."""
        return await load()

    async def search_json(self, query: SearchQuery, load: SearchLoader) -> bytes:
        """``load()`` as JSON."""
        return (await load()).model_dump_json().encode()

    async def on_event(self, event: DomainEvent) -> None:
        """Nothing is cached, so nothing goes stale."""


def query_digest(query: SearchQuery) -> str:
    """sha256 of every field of the query as canonical JSON (new fields are included)."""
    fields = dataclasses.asdict(query)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
