"""The Elasticsearch engine of :class:`~services.catalog.search.ProductSearch`.

It reads the index behind an alias (see :mod:`services.catalog.search_es_index`). When the
server cannot answer — unreachable, timing out, failing, or the index not built yet — it raises
:class:`SearchUnavailable`, which :class:`~services.catalog.search_fallback.FallbackProductSearch`
turns into an SQL search.
"""

from __future__ import annotations

from elastic_transport import HttpxAsyncHttpNode, TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError
from opentelemetry import trace

from services.catalog.search import SearchPage, SearchQuery, SearchUnavailable
from services.catalog.search_es_query import search_page, search_request
from services.kernel.metrics import SEARCH_REQUESTS

_tracer = trace.get_tracer(__name__)


def elasticsearch_client(url: str, timeout: float = 3.0) -> AsyncElasticsearch:
    """An async client over httpx (aiohttp, the client's default, is not a dependency)."""
    return AsyncElasticsearch(
        url, node_class=HttpxAsyncHttpNode, request_timeout=timeout, max_retries=1
    )


def unavailable(error: Exception) -> SearchUnavailable | None:
    """The :class:`SearchUnavailable` an Elasticsearch error means, or None for a caller bug."""
    if isinstance(error, NotFoundError):
        return SearchUnavailable("no_index", str(error))
    if isinstance(error, TransportError):
        return SearchUnavailable("unreachable", str(error))
    if isinstance(error, ApiError) and error.meta.status >= 500:
        return SearchUnavailable("unreachable", str(error))
    return None


class EsProductSearch:
    """Searches the product index by relevance, with filters, sorting, paging and facets."""

    def __init__(self, client: AsyncElasticsearch, alias: str) -> None:
        self._client = client
        self._alias = alias

    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of matching products with category, price and option facets."""
        with _tracer.start_as_current_span("elasticsearch.search") as span:
            span.set_attribute("db.system", "elasticsearch")
            span.set_attribute("db.elasticsearch.index", self._alias)
            try:
                response = await self._client.search(index=self._alias, **search_request(query))
            except (ApiError, TransportError) as error:
                mapped = unavailable(error)
                if mapped is None:
                    raise
                span.set_attribute("domtok.search.unavailable", mapped.reason)
                raise mapped from error
            SEARCH_REQUESTS.labels(engine="elasticsearch").inc()
            return search_page(query, dict(response.body))
