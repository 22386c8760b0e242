"""Hybrid search in the SQL engine: keyword hits first, then products close in meaning.

With ``DOMTOK_SEARCH_VECTORS=on`` a relevance-sorted text query runs as before (every keyword
must match, full-text ranking) and is then extended: the products whose embedding is closest to
the query's (cosine similarity at least ``min_similarity``, at most ``hits`` of them) that pass
the same filters but not the keywords follow the keyword hits, closest first. So an exact
keyword query keeps its order and its first page, while a vague request that no product's words
match ("a gift for someone who likes hiking") still finds sensible products. Totals, paging and
the category facet count both parts. Other sorts and filter-only queries are unchanged.

The fusion is a tiered one rather than reciprocal rank fusion: RRF lets a close-but-unmatched
product overtake a keyword hit, which reorders exact queries.
"""

from __future__ import annotations

from collections import Counter

from services.catalog.search import FacetValue, SearchFacets, SearchPage, SearchQuery
from services.catalog.search_sql import SqlProductSearch
from services.catalog.vectors import ProductVectors

# Neighbours looked at per query: filters and keyword hits remove some before ``hits`` are kept.
CANDIDATE_FACTOR = 5


def extension_slice(keyword_total: int, offset: int, page_size: int) -> slice:
    """Which of the added products a page shows, given how many keyword hits precede them.

    Page rows ``offset .. offset + page_size`` run over the keyword hits, then the additions.
    """
    start = max(offset - keyword_total, 0)
    stop = max(offset + page_size - keyword_total, 0)
    return slice(start, stop)


def merged_categories(counts: list[FacetValue], added: list[str]) -> list[FacetValue]:
    """The category facet with the added products' categories counted in, most first."""
    total = Counter({facet.value: facet.count for facet in counts})
    total.update(added)
    ordered = sorted(total.items(), key=lambda item: (-item[1], item[0]))
    return [FacetValue(value=name, count=count) for name, count in ordered]


class HybridProductSearch:
    """The SQL engine, extended by the nearest products' embeddings (see the module doc)."""

    def __init__(
        self,
        sql: SqlProductSearch,
        vectors: ProductVectors,
        *,
        hits: int = 20,
        min_similarity: float = 0.3,
    ) -> None:
        self._sql = sql
        self._vectors = vectors
        self._hits = hits
        self._min_similarity = min_similarity

    async def search(self, query: SearchQuery) -> SearchPage:
        """The SQL engine's page, with close products after the keyword hits."""
        page = await self._sql.search(query)
        if query.sort != "relevance" or not query.keywords:
            return page
        added = await self._additions(query)
        if not added:
            return page
        wanted = list(added)[extension_slice(page.total, query.page.offset, query.page.limit)]
        items = page.items + await self._sql.summaries(wanted)
        facets = page.facets or SearchFacets()
        categories = merged_categories(facets.categories, list(added.values()))
        return SearchPage(
            items=items,
            total=page.total + len(added),
            page=page.page,
            page_size=page.page_size,
            facets=facets.model_copy(update={"categories": categories}),
        )

    async def _additions(self, query: SearchQuery) -> dict[str, str]:
        """Product id -> category name of the close products to add, closest first."""
        text = " ".join(query.text.split())
        near = await self._vectors.nearest(
            text, self._hits * CANDIDATE_FACTOR, self._min_similarity
        )
        allowed = await self._sql.outside_keywords(query, [n.product_id for n in near])
        ordered = [n.product_id for n in near if n.product_id in allowed][: self._hits]
        return {product_id: allowed[product_id] for product_id in ordered}
