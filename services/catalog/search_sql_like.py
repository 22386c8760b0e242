"""LIKE matching of the SQL search engine, for the keywords full-text search cannot split.

SQLite's ``unicode61`` tokenizer and PostgreSQL's parser do not segment Chinese: a run of CJK
characters is one token, so "相机" would not find "数码相机". Such keywords (and ones with no
letter or digit, such as ``_``) are matched as substrings instead, alike on both databases:
``lower(column) LIKE '%word%'`` with the wildcards in the word escaped. ``search_terms`` are
stored one space apart, so a whole term is ``' ' || terms || ' '`` LIKE ``'% term %'``: that is
how a CJK keyword finds the stored terms it contains (:func:`contained_terms`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, exists, func, literal, or_

from services.catalog.models import Category, Product, Variant
from services.catalog.search import contained_terms


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards (and the escape character) escaped."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, word: str) -> ColumnElement[bool]:
    """``column`` holds ``word``, ignoring case."""
    return func.lower(column).like(like_pattern(word), escape="\\")


def offered() -> ColumnElement[bool]:
    """A variant of the product in the outer query that is for sale."""
    return and_(
        Variant.product_id == Product.id,
        Variant.is_active.is_(True),
        Variant.is_available.is_(True),
    )


def _search_terms(word: str) -> ColumnElement[bool]:
    """The product's search terms contain ``word``, or (CJK) ``word`` contains a whole term."""
    padded = literal(" ") + Product.search_terms + literal(" ")
    whole = [contains(padded, f" {term} ") for term in contained_terms(word)]
    return or_(contains(Product.search_terms, word), *whole)


def like_keyword(word: str) -> ColumnElement[bool]:
    """The product's name, description, search terms, category or offered options hold ``word``."""
    return or_(
        contains(Product.name, word),
        contains(Product.description, word),
        _search_terms(word),
        contains(Category.name, word),
        # The options' JSON text: values ("red", "xl") as in the full-text index, and names.
        exists().where(offered(), contains(cast(Variant.options, Text), word)),
    )
