"""Parsing search queries: keywords, price bounds, sort orders, LIKE escaping."""

from __future__ import annotations

import pytest

from services.catalog.search import InvalidSearch, SearchQuery, parse_keywords
from services.catalog.search_sql_like import like_pattern


def test_keywords_are_lower_cased_distinct_words() -> None:
    assert parse_keywords("  Blue T-Shirt, blue!  men's 2.5mm ") == [
        "blue",
        "t-shirt",
        "men's",
        "2.5mm",
    ]


def test_punctuation_only_query_has_no_keywords() -> None:
    assert parse_keywords(" ,.;!? %% ") == []


def test_keywords_are_capped_in_number_and_length() -> None:
    assert len(parse_keywords(" ".join(f"w{i}" for i in range(20)))) == 10
    assert parse_keywords("y" * 80) == ["y" * 50]


def test_phrase_joins_the_keywords() -> None:
    assert SearchQuery(text="Running   SHOES").phrase == "running shoes"


def test_blank_category_means_no_filter() -> None:
    assert SearchQuery(category="   ").category_filter is None
    assert SearchQuery(category=" Kitchen ").category_filter == "Kitchen"


@pytest.mark.parametrize(
    "fields",
    [
        {"min_price": 500, "max_price": 100},
        {"min_price": -1},
        {"max_price": -5},
        {"sort": "cheapest"},
    ],
)
def test_inconsistent_queries_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidSearch) as caught:
        SearchQuery(**fields)  # type: ignore[arg-type]
    assert caught.value.status_code == 422


def test_equal_price_bounds_are_allowed() -> None:
    assert SearchQuery(min_price=100, max_price=100).max_price == 100


def test_like_wildcards_and_escape_are_escaped() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
