"""How keywords become full-text SQL: the words each index sees, quoted FTS5 phrases, and which
keywords fall back to LIKE."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from services.catalog.models import Product
from services.catalog.search_sql_text import fts5_query, full_text_words, text_match


def test_a_keyword_is_split_into_letters_and_digits_and_cjk_runs_are_left_to_like() -> None:
    assert full_text_words("t-shirt") == ["t", "shirt"]
    assert full_text_words("men's") == ["men", "s"]
    assert full_text_words("c_ffee") == ["c", "ffee"]
    assert full_text_words("_") == []
    assert full_text_words("瑜伽垫") == full_text_words("t恤") == []


def test_fts5_phrases_are_quoted_and_can_be_limited_to_a_column() -> None:
    assert fts5_query([["yoga"], ["t", "shirt"]]) == '"yoga" "t shirt"'
    assert fts5_query([["near"], ["or"]], "name") == 'name : ("near" "or")'


def test_keywords_are_bound_parameters_never_sql_text() -> None:
    for dialect, name in ((sqlite.dialect(), "sqlite"), (postgresql.dialect(), "postgresql")):
        match = text_match(["yoga", "瑜伽垫", "drop"], name)
        statement = match.narrow(select(Product.id)).order_by(*match.ranking())
        sql = str(statement.compile(dialect=dialect))
        assert "yoga" not in sql
        assert "drop" not in sql.lower()


def test_only_like_keywords_need_no_full_text_index() -> None:
    match = text_match(["瑜伽垫"], "sqlite")
    assert match.hits is None
    assert match.score is None
    assert len(match.conditions) == len(match.in_name) == 1
