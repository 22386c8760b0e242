"""Choosing the search engine from settings: SQL, or Elasticsearch with SQL as the fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from services.catalog.search import ProductSearch
from services.catalog.search_sql import SqlProductSearch

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from services.catalog.search_es_index import EsProductIndex
    from services.catalog.search_indexer import SearchIndexer


@dataclass
class SearchParts:
    """The engine searches use, and (with Elasticsearch) the index writer and its indexer."""

    engine: ProductSearch
    index: EsProductIndex | None = None
    indexer: SearchIndexer | None = None
    client: AsyncElasticsearch | None = None

    async def aclose(self) -> None:
        """Close the Elasticsearch connections."""
        if self.client is not None:
            await self.client.close()


def build_search(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> SearchParts:
    """SQL search, or Elasticsearch (falling back to SQL) when ``elasticsearch_url`` is set."""
    sql = SqlProductSearch(sessions, settings.currency)
    if not settings.elasticsearch_url:
        return SearchParts(engine=sql)
    # Imported here: the elasticsearch client is an optional dependency (the `stack` extra).
    from services.catalog.search_es import EsProductSearch, elasticsearch_client
    from services.catalog.search_es_index import EsProductIndex
    from services.catalog.search_fallback import FallbackProductSearch
    from services.catalog.search_indexer import SearchIndexer
    from services.catalog.search_source import CatalogDocuments

    client = elasticsearch_client(settings.elasticsearch_url, settings.elasticsearch_timeout)
    documents = CatalogDocuments(sessions, settings.currency)
    index = EsProductIndex(client, settings.elasticsearch_index, documents)
    engine = FallbackProductSearch(
        EsProductSearch(client, settings.elasticsearch_index),
        sql,
        retry_after=settings.search_retry_seconds,
    )
    return SearchParts(
        engine=engine, index=index, indexer=SearchIndexer(index, documents), client=client
    )
