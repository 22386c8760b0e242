"""Choosing the search engine from settings: SQL (hybrid with ``search_vectors=on``), or
Elasticsearch with SQL as the fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from services.catalog.search import ProductSearch
from services.catalog.search_sql import SqlProductSearch

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from services.catalog.embeddings import Embedder
    from services.catalog.search_es_index import EsProductIndex
    from services.catalog.search_indexer import SearchIndexer
    from services.catalog.vectors import ProductVectors


@dataclass
class SearchParts:
    """The engine searches use, and (with Elasticsearch) the index writer and its indexer."""

    engine: ProductSearch
    index: EsProductIndex | None = None
    indexer: SearchIndexer | None = None
    client: AsyncElasticsearch | None = None
    vectors: ProductVectors | None = None

    async def aclose(self) -> None:
        """Close the Elasticsearch connections and the embedding thread."""
        if self.vectors is not None:
            self.vectors.close()
        if self.client is not None:
            await self.client.close()


def build_search(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    embedder: Embedder | None = None,
) -> SearchParts:
    """SQL search, or Elasticsearch (falling back to SQL) when ``elasticsearch_url`` is set.

    With ``search_vectors=on`` the SQL engine is the hybrid one, embedding with ``embedder``
    (the bundled MiniLM model unless a test passes another).
    """
    sql: ProductSearch = SqlProductSearch(sessions, settings.currency)
    vectors = None
    if settings.search_vectors == "on":
        sql, vectors = _hybrid(settings, sessions, embedder)
    if not settings.elasticsearch_url:
        return SearchParts(engine=sql, vectors=vectors)
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
        engine=engine,
        index=index,
        indexer=SearchIndexer(index, documents),
        client=client,
        vectors=vectors,
    )


def _hybrid(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    embedder: Embedder | None,
) -> tuple[ProductSearch, ProductVectors]:
    # Imported here: numpy (and, on first use, torch) only when vectors are on.
    from services.catalog.embeddings import MiniLmEmbedder
    from services.catalog.search_hybrid import HybridProductSearch
    from services.catalog.vectors import ProductVectors

    vectors = ProductVectors(
        sessions,
        embedder or MiniLmEmbedder(settings.search_vector_threads),
        settings.search_vector_check_seconds,
    )
    engine = HybridProductSearch(
        SqlProductSearch(sessions, settings.currency),
        vectors,
        hits=settings.search_vector_hits,
        min_similarity=settings.search_vector_min_similarity,
    )
    return engine, vectors
