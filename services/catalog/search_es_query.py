"""Turning a :class:`SearchQuery` into an Elasticsearch request, and its answer into a page.

Every keyword must match somewhere (as in the SQL engine), fuzzily or as a prefix, so "runing"
finds "running" and "run" finds "running shoes"; the boosts of
:data:`~services.catalog.search_es_mapping.TEXT_FIELDS` and an exact phrase in the name decide
the ranking. ``search_terms`` is matched as in SQL: a stored term containing the keyword
(a wildcard over its whole-term tokens), or, for a CJK keyword, a whole stored term that the
keyword contains (:func:`~services.catalog.search.contained_terms`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.catalog.rules import natural_key
from services.catalog.schemas import ProductSummary
from services.catalog.search import (
    FacetValue,
    PriceFacet,
    SearchFacets,
    SearchPage,
    SearchQuery,
    contained_terms,
    price_bands,
)
from services.catalog.search_es_mapping import TEXT_FIELDS, option_pair, split_option_pair

MAX_FACET_VALUES = 100
MAX_OPTION_PAIRS = 500


def _search_terms_clauses(word: str) -> list[dict[str, Any]]:
    # Keywords are word characters with inner -'. only, so they hold no wildcard characters.
    clauses: list[dict[str, Any]] = [{"wildcard": {"search_terms": {"value": f"*{word}*"}}}]
    terms = contained_terms(word)
    if terms:
        clauses.append({"terms": {"search_terms": terms}})
    return clauses


def _keyword_clause(word: str) -> dict[str, Any]:
    fields = list(TEXT_FIELDS)
    return {
        "bool": {
            "should": [
                {"multi_match": {"query": word, "fields": fields, "fuzziness": "AUTO"}},
                {"multi_match": {"query": word, "fields": fields, "type": "phrase_prefix"}},
                *_search_terms_clauses(word),
            ],
            "minimum_should_match": 1,
        }
    }


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    category = query.category_filter
    if category is not None:
        filters.append(
            {
                "bool": {
                    "should": [
                        {"term": {"category_id": category}},
                        {
                            "term": {
                                "category.keyword": {"value": category, "case_insensitive": True}
                            }
                        },
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if query.min_price is not None or query.max_price is not None:
        bounds: dict[str, int] = {}
        if query.min_price is not None:
            bounds["gte"] = query.min_price
        if query.max_price is not None:
            bounds["lte"] = query.max_price
        # ``prices`` holds every price on sale: one in range is enough, as in SQL.
        filters.append({"range": {"prices": bounds}})
    if query.in_stock:
        filters.append({"term": {"in_stock": True}})
    for name, value in query.option_filter.items():
        filters.append({"term": {"option_pairs": option_pair(name, value)}})
    return filters


def _query(query: SearchQuery) -> dict[str, Any]:
    words = query.keywords
    boolean: dict[str, Any] = {"filter": _filters(query)}
    if words:
        boolean["must"] = [_keyword_clause(word) for word in words]
        boolean["should"] = [{"match_phrase": {"name": {"query": query.phrase, "boost": 5}}}]
    return {"bool": boolean}


def _sort(query: SearchQuery) -> list[Any]:
    tie = [{"name.keyword": "asc"}, {"id": "asc"}]
    if query.sort == "price_asc":
        return [{"min_price": {"order": "asc", "missing": "_last"}}, *tie]
    if query.sort == "price_desc":
        return [{"max_price": {"order": "desc", "missing": "_last"}}, *tie]
    if query.sort == "newest":
        return [{"created_at": "desc"}, {"id": "desc"}]
    if query.keywords:
        return ["_score", *tie]
    return tie


def _aggregations() -> dict[str, Any]:
    ranges: list[dict[str, int]] = []
    for low, high in price_bands():
        band: dict[str, int] = {}
        if low is not None:
            band["from"] = low
        if high is not None:
            band["to"] = high
        ranges.append(band)
    return {
        "categories": {"terms": {"field": "category.keyword", "size": MAX_FACET_VALUES}},
        "price_ranges": {"range": {"field": "prices", "ranges": ranges}},
        "options": {"terms": {"field": "option_pairs", "size": MAX_OPTION_PAIRS}},
    }


def search_request(query: SearchQuery) -> dict[str, Any]:
    """Keyword arguments for ``AsyncElasticsearch.search``."""
    return {
        "query": _query(query),
        "sort": _sort(query),
        "from_": query.page.offset,
        "size": query.page.limit,
        "aggs": _aggregations(),
        "track_total_hits": True,
    }


def _facets(aggregations: dict[str, Any]) -> SearchFacets:
    categories = [
        FacetValue(value=str(bucket["key"]), count=int(bucket["doc_count"]))
        for bucket in aggregations.get("categories", {}).get("buckets", [])
    ]
    prices = [
        PriceFacet(
            min=None if bucket.get("from") is None else int(bucket["from"]),
            max=None if bucket.get("to") is None else int(bucket["to"]),
            count=int(bucket["doc_count"]),
        )
        for bucket in aggregations.get("price_ranges", {}).get("buckets", [])
    ]
    options: dict[str, list[FacetValue]] = defaultdict(list)
    for bucket in aggregations.get("options", {}).get("buckets", []):
        name, value = split_option_pair(str(bucket["key"]))
        options[name].append(FacetValue(value=value, count=int(bucket["doc_count"])))
    return SearchFacets(
        categories=categories,
        price_ranges=prices,
        options={
            name: sorted(values, key=lambda facet: natural_key(facet.value))
            for name, values in sorted(options.items())
        },
    )


def search_page(query: SearchQuery, response: dict[str, Any]) -> SearchPage:
    """The page of hits and the facets of an Elasticsearch answer."""
    hits = response["hits"]
    return SearchPage(
        items=[ProductSummary.model_validate(hit["_source"]["summary"]) for hit in hits["hits"]],
        total=int(hits["total"]["value"]),
        page=query.page.page,
        page_size=query.page.page_size,
        facets=_facets(response.get("aggregations", {})),
    )
