"""The Elasticsearch request built from a query, its answer parsed, and the SQL fallback."""

from __future__ import annotations

import pytest

from services.catalog.search import (
    InvalidSearch,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    parse_option_filters,
)
from services.catalog.search_es_query import search_page, search_request
from services.catalog.search_fallback import FallbackProductSearch
from services.kernel.pagination import PageRequest


def test_option_filters_are_parsed_from_name_value_pairs_and_lower_cased() -> None:
    query = SearchQuery(options=parse_option_filters(["Color:Red", "size: M "]))
    assert query.option_filter == {"color": "red", "size": "m"}
    with pytest.raises(InvalidSearch):
        parse_option_filters(["color"])
    with pytest.raises(InvalidSearch):
        SearchQuery(options={"color": " "})


def test_every_keyword_must_match_fuzzily_or_as_a_prefix() -> None:
    request = search_request(SearchQuery(text="red shoes"))
    musts = request["query"]["bool"]["must"]
    assert len(musts) == 2
    fuzzy, prefix, terms = musts[0]["bool"]["should"]
    assert fuzzy["multi_match"]["fuzziness"] == "AUTO"
    assert fuzzy["multi_match"]["fields"][0] == "name^3"
    assert prefix["multi_match"]["type"] == "phrase_prefix"
    assert terms == {"wildcard": {"search_terms": {"value": "*red*"}}}
    assert request["sort"][0] == "_score"


def test_a_cjk_keyword_also_matches_the_whole_search_terms_it_contains() -> None:
    (must,) = search_request(SearchQuery(text="蓝色瑜伽垫"))["query"]["bool"]["must"]
    *_, wildcard, contained = must["bool"]["should"]
    assert wildcard == {"wildcard": {"search_terms": {"value": "*蓝色瑜伽垫*"}}}
    assert "瑜伽垫" in contained["terms"]["search_terms"]


def test_filters_become_non_scoring_clauses() -> None:
    query = SearchQuery(
        category="Shoes", min_price=100, max_price=900, in_stock=True, options={"size": "M"}
    )
    filters = search_request(query)["query"]["bool"]["filter"]
    assert {"range": {"prices": {"gte": 100, "lte": 900}}} in filters
    assert {"term": {"in_stock": True}} in filters
    assert {"term": {"option_pairs": "size=m"}} in filters


def test_paging_and_price_sort_map_to_from_size_and_missing_last() -> None:
    query = SearchQuery(sort="price_asc", page=PageRequest(page=3, page_size=10))
    request = search_request(query)
    assert (request["from_"], request["size"]) == (20, 10)
    assert request["sort"][0] == {"min_price": {"order": "asc", "missing": "_last"}}


def test_an_answer_becomes_a_page_with_facets() -> None:
    summary = {
        "id": "prd_1",
        "name": "Tote",
        "category": {"id": "cat_1", "name": "Bags"},
        "min_price": None,
        "max_price": None,
        "currency": "USD",
        "in_stock": False,
        "variant_count": 0,
        "options": {},
    }
    response = {
        "hits": {"total": {"value": 1}, "hits": [{"_source": {"summary": summary}}]},
        "aggregations": {
            "categories": {"buckets": [{"key": "Bags", "doc_count": 1}]},
            "price_ranges": {"buckets": [{"to": 2500.0, "doc_count": 1}]},
            "options": {
                "buckets": [{"key": "size=10", "doc_count": 1}, {"key": "size=9", "doc_count": 2}]
            },
        },
    }
    page = search_page(SearchQuery(), response)
    assert [item.name for item in page.items] == ["Tote"]
    assert page.total == 1
    assert page.facets is not None
    assert page.facets.price_ranges[0].model_dump() == {"min": None, "max": 2500, "count": 1}
    assert [f.value for f in page.facets.options["size"]] == ["9", "10"]


class _Engine:
    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name = name
        self.error = error
        self.calls = 0

    async def search(self, query: SearchQuery) -> SearchPage:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return SearchPage(items=[], total=0, page=1, page_size=20)


async def test_fallback_answers_from_sql_and_rests_the_primary_engine() -> None:
    now = [0.0]
    primary = _Engine("es", SearchUnavailable("unreachable", "refused"))
    secondary = _Engine("sql")
    search = FallbackProductSearch(primary, secondary, retry_after=5, monotonic=lambda: now[0])
    await search.search(SearchQuery())
    await search.search(SearchQuery())
    assert (primary.calls, secondary.calls) == (1, 2)
    now[0] = 6.0
    primary.error = None
    await search.search(SearchQuery())
    assert (primary.calls, secondary.calls) == (2, 2)


async def test_fallback_lets_other_errors_through() -> None:
    search = FallbackProductSearch(_Engine("es", ValueError("bug")), _Engine("sql"))
    with pytest.raises(ValueError, match="bug"):
        await search.search(SearchQuery())
