"""The in-process cache of product pages and search results (the embedded default, no Redis).

How fresh it is:

- **Changes made by this process** are seen at once. Committed catalog events reach
  :meth:`LocalCatalogCache.on_event` through the in-process bus right after the commit (a
  rollback publishes nothing, so it drops nothing): ``product.*`` and ``variant.*`` drop their
  product's page, ``stock.*`` the page of the product the variant belongs to (known from the
  cached pages), ``category.*`` every page; each of them drops every search page.
- **Changes made by other processes** sharing the database (the CLI, a worker, a second API
  process on PostgreSQL) send this process no event, so every entry also expires ``ttl`` seconds
  after it was loaded: no page is ever older than that (5 s by default), which is as stale as a
  page a shopper has open anyway. Checkout re-checks stock and prices in the database, so a
  stale page can never sell what is not there.
- **A load racing a change**: every invalidation bumps a generation; a load that started before
  the bump still answers the requests that were waiting for it, but is not stored, and requests
  arriving after the bump start a new load instead of joining it.

Concurrent misses of one key share a single load (no stampede when a hot page expires). Entries
are the pages' JSON: the API sends the cached bytes as they are, readers of the schema parse
their own copy (nobody can change a cached page by accident), and memory stays small. Both
tables are bounded: past ``max_entries`` (about 5 KB each) the oldest entry goes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from pydantic import BaseModel

from services.catalog.cache import ProductLoader, SearchLoader, query_digest
from services.catalog.schemas import ProductOut
from services.catalog.search import SearchPage, SearchQuery
from services.kernel.events import DomainEvent


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    expires: float
    variant_ids: tuple[str, ...] = ()


class LocalCatalogCache:
    """Product and search pages in this process's memory, for ``ttl`` seconds at most."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 5_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._now = now
        self._products: dict[str, _Entry] = {}
        self._searches: dict[str, _Entry] = {}
        self._product_of_variant: dict[str, str] = {}
        self._loading: dict[Hashable, asyncio.Future[_Entry]] = {}
        self._generation = 0

    async def product(self, product_id: str, load: ProductLoader) -> ProductOut:
        """A copy of the cached page of ``product_id``, or ``load()``'s (then cached)."""
        return ProductOut.model_validate_json(await self.product_json(product_id, load))

    async def product_json(self, product_id: str, load: ProductLoader) -> bytes:
        """The cached page of ``product_id`` as JSON."""
        return (await self._product_entry(product_id, load)).body

    async def search(self, query: SearchQuery, load: SearchLoader) -> SearchPage:
        """A copy of the cached result of ``query``, or ``load()``'s (then cached)."""
        return SearchPage.model_validate_json(await self.search_json(query, load))

    async def search_json(self, query: SearchQuery, load: SearchLoader) -> bytes:
        """The cached result of ``query`` as JSON."""
        return (await self._search_entry(query, load)).body

    async def on_event(self, event: DomainEvent) -> None:
        """Bus handler: drop what a committed change makes stale."""
        family = event.type.split(".", 1)[0]
        if family not in ("category", "product", "variant", "stock"):
            return
        self._generation += 1
        # Requests from now on must not join a load that may have read the old data.
        self._loading.clear()
        self._searches.clear()
        if family == "category":
            self._products.clear()
            self._product_of_variant.clear()
            return
        product_id = event.payload.get("product_id")
        if product_id is None:
            # Product events are about the product, variant and stock events about a variant.
            if family == "product":
                product_id = event.aggregate_id
            else:
                product_id = self._product_of_variant.get(event.aggregate_id)
        if product_id is not None:
            self._drop_product(str(product_id))

    async def _product_entry(self, product_id: str, load: ProductLoader) -> _Entry:
        entry = self._products.get(product_id)
        if entry is not None and entry.expires > self._now():
            return entry

        async def fill(generation: int) -> _Entry:
            page = await load()
            entry = self._entry(page, tuple(v.id for v in page.variants))
            if generation == self._generation:
                self._drop_product(product_id)
                self._store(self._products, product_id, entry)
                for variant_id in entry.variant_ids:
                    self._product_of_variant[variant_id] = product_id
            return entry

        return await self._shared(("product", product_id), fill)

    async def _search_entry(self, query: SearchQuery, load: SearchLoader) -> _Entry:
        key = query_digest(query)
        entry = self._searches.get(key)
        if entry is not None and entry.expires > self._now():
            return entry

        async def fill(generation: int) -> _Entry:
            entry = self._entry(await load())
            if generation == self._generation:
                self._store(self._searches, key, entry)
            return entry

        return await self._shared(("search", key), fill)

    async def _shared(self, key: Hashable, fill: Callable[[int], Awaitable[_Entry]]) -> _Entry:
        """One load per key at a time; a waiter that gives up does not cancel it for others."""
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(fill(self._generation))
            self._loading[key] = pending
            pending.add_done_callback(lambda done: self._loaded(key, done))
        return await asyncio.shield(pending)

    def _loaded(self, key: Hashable, done: asyncio.Future[_Entry]) -> None:
        if self._loading.get(key) is done:
            del self._loading[key]
        if not done.cancelled():
            # Marks a failure as seen when every waiter has gone (no "never retrieved" warning).
            done.exception()

    def _entry(self, value: BaseModel, variant_ids: tuple[str, ...] = ()) -> _Entry:
        body = value.model_dump_json().encode()
        return _Entry(body, self._now() + self._ttl, variant_ids)

    def _store(self, table: dict[str, _Entry], key: str, entry: _Entry) -> None:
        table.pop(key, None)
        while len(table) >= self._max_entries:
            oldest = next(iter(table))
            if table is self._products:
                self._drop_product(oldest)
            else:
                del table[oldest]
        table[key] = entry

    def _drop_product(self, product_id: str) -> None:
        entry = self._products.pop(product_id, None)
        if entry is None:
            return
        for variant_id in entry.variant_ids:
            if self._product_of_variant.get(variant_id) == product_id:
                del self._product_of_variant[variant_id]
