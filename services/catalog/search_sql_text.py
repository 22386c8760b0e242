"""Keyword matching of the SQL search engine: full-text search on SQLite and PostgreSQL.

Every keyword must match a product's name, description, search terms, category name or the
option values of its variants for sale, as a stemmed, case-folded word: "yoga mats" finds
"Yoga Mat", "Running Shoe" finds "running shoes". The index is built by migration 0004 and kept
current by database triggers:

- SQLite: the FTS5 table ``product_search`` (``porter unicode61`` tokenizer, one column per
  field, rowids mapped to products by ``product_search_keys``), ranked by ``bm25``.
- PostgreSQL: ``products.search_vector``, a tsvector with a GIN index built with the
  ``domtok_search`` configuration (English Snowball stemming, no stop words), ranked by
  ``ts_rank``.

A keyword is a phrase of its words ("t-shirt" is "t" then "shirt"), sent as data only: on SQLite
each word is quoted, on PostgreSQL the keyword goes through ``phraseto_tsquery``, so quotes,
``*``, ``-``, ``NEAR``, ``OR`` or parentheses in a query are never query syntax. Keywords the
tokenizers cannot split (CJK runs, words without a letter or digit) are matched with LIKE
instead, see :mod:`services.catalog.search_sql_like`.

Relevance puts products whose name holds every keyword first, then the better text score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from services.catalog.models import Product
from services.catalog.search import is_cjk
from services.catalog.search_sql_like import contains, like_keyword

# Letters and digits: what both tokenizers keep of a keyword (the rest separates words).
_WORD = re.compile(r"[^\W_]+")
# bm25 weights of the FTS5 columns: name, description, search_terms, category, options.
FTS_WEIGHTS = (10.0, 1.0, 4.0, 2.0, 2.0)
TS_CONFIG = "domtok_search"
# ts_rank normalisation 1: divide by 1 + log(document length), as bm25 favours short rows.
TS_RANK_NORMALIZATION = 1

# Any SELECT, whatever it returns.
AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")

_FTS = table("product_search", column("rowid"))
_FTS_TABLE: ColumnElement[Any] = literal_column("product_search")
_KEYS = table("product_search_keys", column("doc_id"), column("product_id"))


def full_text_words(keyword: str) -> list[str]:
    """The words of ``keyword`` the full-text index sees; empty when it must use LIKE."""
    return [] if is_cjk(keyword) else _WORD.findall(keyword)


def fts5_query(phrases: Sequence[Sequence[str]], column_name: str | None = None) -> str:
    """An FTS5 MATCH expression requiring every phrase (in ``column_name`` only, if given).

    Words are letters and digits only, so inside double quotes nothing of them is syntax.
    """
    query = " ".join('"' + " ".join(words) + '"' for words in phrases)
    return f"{column_name} : ({query})" if column_name else query


@dataclass(frozen=True, slots=True)
class TextMatch:
    """A query's keywords as SQL: what narrows the products and what ranks them.

    ``hits`` (SQLite) is joined on ``product_id`` and carries the score; all of ``in_name``
    hold when the name has every keyword; ``score`` is an ORDER BY clause, best first.
    """

    conditions: tuple[ColumnElement[bool], ...] = ()
    hits: Subquery | None = None
    in_name: tuple[ColumnElement[bool], ...] = ()
    score: ColumnElement[Any] | None = None

    def narrow(self, statement: AnySelect) -> AnySelect:
        """``statement`` (selecting from products) limited to the matching products."""
        if self.hits is not None:
            statement = statement.join(self.hits, self.hits.c.product_id == Product.id)
        return statement.where(*self.conditions)

    def ranking(self) -> list[ColumnElement[Any]]:
        """ORDER BY clauses of relevance: every keyword in the name first, then the score."""
        order: list[ColumnElement[Any]] = []
        if self.in_name:
            order.append(case((and_(*self.in_name), 0), else_=1))
        if self.score is not None:
            order.append(self.score)
        return order


def _fts_products(expression: str) -> Select[Any]:
    return (
        select(_KEYS.c.product_id.label("product_id"))
        .select_from(_FTS.join(_KEYS, _KEYS.c.doc_id == _FTS.c.rowid))
        .where(_FTS_TABLE.bool_op("MATCH")(expression))
    )


def _sqlite(phrases: list[list[str]]) -> TextMatch:
    scored = _fts_products(fts5_query(phrases)).add_columns(
        func.bm25(_FTS_TABLE, *[literal(w) for w in FTS_WEIGHTS]).label("score")
    )
    hits = scored.subquery("text_hits")
    in_name = Product.id.in_(_fts_products(fts5_query(phrases, "name")))
    return TextMatch(hits=hits, in_name=(in_name,), score=hits.c.score)


def _postgres(keywords: list[str]) -> TextMatch:
    vector = literal_column(f"{Product.__tablename__}.search_vector", TSVECTOR)
    config: ColumnElement[Any] = literal_column(f"'{TS_CONFIG}'::regconfig")
    phrases: list[ColumnElement[Any]] = [
        func.phraseto_tsquery(config, keyword) for keyword in keywords
    ]
    query = reduce(lambda left, right: left.op("&&")(right), phrases)
    names = func.ts_filter(vector, literal_column("'{a}'"))
    rank = func.ts_rank(vector, query, literal_column(str(TS_RANK_NORMALIZATION)))
    return TextMatch(
        conditions=(vector.bool_op("@@")(query),),
        in_name=(names.bool_op("@@")(query),),
        score=rank.desc(),
    )


def text_match(keywords: list[str], dialect: str) -> TextMatch:
    """The SQL for ``keywords`` on ``dialect`` (``sqlite`` or ``postgresql``)."""
    full_text = [k for k in keywords if full_text_words(k)]
    literal_words = [k for k in keywords if not full_text_words(k)]
    like = TextMatch(
        conditions=tuple(like_keyword(word) for word in literal_words),
        in_name=tuple(contains(Product.name, word) for word in literal_words),
    )
    if not full_text:
        return like
    if dialect == "postgresql":
        text = _postgres(full_text)
    else:
        text = _sqlite([full_text_words(k) for k in full_text])
    return TextMatch(
        conditions=text.conditions + like.conditions,
        hits=text.hits,
        in_name=text.in_name + like.in_name,
        score=text.score,
    )
