"""The search indexer: catalog events in, the affected products re-indexed.

It re-reads each product from the database instead of applying the event's payload, so it is
idempotent and order-insensitive: a duplicate or late event re-indexes the current state.
Fed by the in-process bus (embedded mode) or by a Kafka consumer group (``domtok worker``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from services.catalog.search_es_index import EsProductIndex
from services.catalog.search_source import CatalogDocuments
from services.kernel.events import DomainEvent

# Event families that change what a product's search document holds.
INDEXED_FAMILIES: tuple[str, ...] = ("product", "variant", "stock")


def concerns_search(event: DomainEvent) -> bool:
    """True for events that may change a product's search document."""
    return event.type.split(".", 1)[0] in INDEXED_FAMILIES


class SearchIndexer:
    """Re-indexes the products that catalog events touch."""

    def __init__(self, index: EsProductIndex, source: CatalogDocuments) -> None:
        self._index = index
        self._source = source
        self._ensured = False
        # Called with each event once the index shows it: caches of search results drop what
        # they answered from the index before (the index changes after the commit, not at it).
        self.after_indexing: list[Callable[[DomainEvent], Awaitable[None]]] = []

    async def handle(self, event: DomainEvent) -> None:
        """Re-index the product an event is about (ignores unrelated events)."""
        await self.handle_many([event])

    async def handle_many(self, events: Sequence[DomainEvent]) -> None:
        """Re-index every product the events touch, in one bulk request."""
        products: set[str] = set()
        variants: set[str] = set()
        for event in events:
            if not concerns_search(event):
                continue
            product_id = event.payload.get("product_id")
            if event.type.startswith("product."):
                products.add(event.aggregate_id)
            elif isinstance(product_id, str):
                products.add(product_id)
            else:
                # Stock events from orders name only the variant.
                variants.add(event.aggregate_id)
        products |= await self._source.products_of_variants(variants)
        if not products:
            return
        if not self._ensured:
            # Writing to a missing alias would auto-create an index without our mapping.
            await self._index.ensure()
            self._ensured = True
        await self._index.refresh_products(products)
        for event in filter(concerns_search, events):
            for notify in self.after_indexing:
                await notify(event)
