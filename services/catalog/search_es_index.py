"""Writing the product index: keep it in step with the catalog, rebuild it without downtime.

Searches read the alias (``domtok-products``), never a concrete index. A reindex fills a new
index ``<alias>-<timestamp>`` and then moves the alias to it in one atomic ``update_aliases``
call, so searches see the old index until the new one is complete. While it fills, the new
index also carries the alias ``<alias>-building``, and single-product updates go to both, so
a change made during a reindex is not lost when the alias moves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from opentelemetry import trace

from services.catalog.search_es_mapping import INDEX_MAPPING, INDEX_SETTINGS
from services.catalog.search_source import CatalogDocuments, Document

_tracer = trace.get_tracer(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ReindexResult:
    """What a reindex did: the new index, how many products it holds, what it replaced."""

    index: str
    documents: int
    replaced: list[str]


class EsProductIndex:
    """Creates, updates and rebuilds the product index behind ``alias``."""

    def __init__(
        self,
        client: AsyncElasticsearch,
        alias: str,
        source: CatalogDocuments,
        *,
        write_timeout: float = 60.0,
    ) -> None:
        # Writes wait for a refresh and bulk loads can be large: they get more time than the
        # searches, which fall back to SQL quickly instead.
        self._client = client.options(request_timeout=write_timeout)
        self.alias = alias
        self._building = f"{alias}-building"
        self._source = source

    async def ensure(self) -> bool:
        """Create an empty index behind the alias if there is none; True when it did."""
        if await self._client.indices.exists_alias(name=self.alias):
            return False
        index = await self._create_index()
        await self._client.indices.update_aliases(actions=self._point_alias(index, []))
        return True

    async def refresh_products(self, product_ids: Iterable[str]) -> None:
        """Re-read products from the catalog and (re)index them; remove inactive or gone ones."""
        documents = await self._source.documents(product_ids)
        if not documents:
            return
        with _tracer.start_as_current_span("elasticsearch.bulk") as span:
            span.set_attribute("db.system", "elasticsearch")
            span.set_attribute("domtok.search.products", len(documents))
            operations: list[dict[str, Any]] = []
            for target in await self._write_targets():
                for product_id, document in documents.items():
                    operations.extend(_operation(target, product_id, document))
            await self._bulk(operations, refresh="wait_for")

    async def reindex(
        self, progress: Progress | None = None, batch_size: int = 200
    ) -> ReindexResult:
        """Fill a new index from the catalog, then swap the alias to it and drop the old ones."""
        total = await self._source.count()
        index = await self._create_index()
        await self._client.indices.update_aliases(
            actions=[{"add": {"index": index, "alias": self._building}}]
        )
        done = 0
        if progress is not None:
            progress(done, total)
        async for batch in self._source.batches(batch_size):
            operations: list[dict[str, Any]] = []
            for document in batch:
                operations.extend(_operation(index, document["id"], document))
            await self._bulk(operations)
            done += len(batch)
            if progress is not None:
                progress(done, max(total, done))
        await self._client.indices.refresh(index=index)
        old = await self._indices_behind(self.alias)
        actions = self._point_alias(index, old)
        actions.append({"remove": {"index": index, "alias": self._building}})
        await self._client.indices.update_aliases(actions=actions)
        if old:
            await self._client.indices.delete(index=",".join(old), ignore_unavailable=True)
        return ReindexResult(index=index, documents=done, replaced=old)

    async def _create_index(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        index = f"{self.alias}-{stamp}"
        await self._client.indices.create(
            index=index, settings=INDEX_SETTINGS, mappings=INDEX_MAPPING
        )
        return index

    def _point_alias(self, index: str, old: list[str]) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = [
            {"remove": {"index": name, "alias": self.alias}} for name in old
        ]
        actions.append({"add": {"index": index, "alias": self.alias}})
        return actions

    async def _indices_behind(self, alias: str) -> list[str]:
        try:
            found = await self._client.indices.get_alias(name=alias)
        except NotFoundError:
            return []
        return sorted(found.body)

    async def _write_targets(self) -> list[str]:
        targets = [self.alias]
        targets.extend(await self._indices_behind(self._building))
        return targets

    async def _bulk(self, operations: list[dict[str, Any]], refresh: str | bool = False) -> None:
        if not operations:
            return
        response = await self._client.bulk(operations=operations, refresh=refresh)
        if response.get("errors"):
            failed = [
                item
                for entry in response["items"]
                for item in entry.values()
                if item.get("error") and item.get("status") != 404
            ]
            if failed:
                raise IndexWriteFailed(f"{len(failed)} bulk operation(s) failed: {failed[0]}")


class IndexWriteFailed(Exception):
    """Elasticsearch refused some documents of a bulk request."""


def _operation(index: str, product_id: str, document: Document | None) -> list[dict[str, Any]]:
    if document is None:
        return [{"delete": {"_index": index, "_id": product_id}}]
    return [{"index": {"_index": index, "_id": product_id}}, document]
