"""The SQL engine of :class:`ProductSearch`: LIKE matching, alike on SQLite and PostgreSQL.

Keywords are matched case-insensitively with ``lower(column) LIKE '%word%'`` (wildcards in the
word escaped), so no full-text extension is needed; the catalog is small enough for that.
``search_terms`` are stored one space apart, so a whole term is ``' ' || terms || ' '`` LIKE
``'% term %'``: that is how a CJK keyword finds the stored terms it contains.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.models import Category, Product, Variant
from services.catalog.search import (
    FacetValue,
    SearchFacets,
    SearchPage,
    SearchQuery,
    contained_terms,
)
from services.catalog.views import product_summary
from services.kernel.db import read_only_options


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards (and the escape character) escaped."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, word: str) -> ColumnElement[bool]:
    return func.lower(column).like(like_pattern(word), escape="\\")


def _search_terms(word: str) -> ColumnElement[bool]:
    """The product's search terms contain ``word``, or (CJK) ``word`` contains a whole term."""
    padded = literal(" ") + Product.search_terms + literal(" ")
    whole = [_contains(padded, f" {term} ") for term in contained_terms(word)]
    return or_(_contains(Product.search_terms, word), *whole)


def _offered() -> ColumnElement[bool]:
    return and_(
        Variant.product_id == Product.id,
        Variant.is_active.is_(True),
        Variant.is_available.is_(True),
    )


def _conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Product.is_active.is_(True)]
    for word in query.keywords:
        conditions.append(
            or_(
                _contains(Product.name, word),
                _contains(Product.description, word),
                _search_terms(word),
                _contains(Category.name, word),
                # Option values ("red", "xl") match too, as they do in Elasticsearch.
                exists().where(_offered(), _contains(cast(Variant.options, Text), word)),
            )
        )
    category = query.category_filter
    if category is not None:
        conditions.append(
            or_(Category.id == category, func.lower(Category.name) == category.lower())
        )
    if query.min_price is not None or query.max_price is not None:
        price = [_offered()]
        if query.min_price is not None:
            price.append(Variant.price_minor >= query.min_price)
        if query.max_price is not None:
            price.append(Variant.price_minor <= query.max_price)
        conditions.append(exists().where(*price))
    if query.in_stock:
        conditions.append(exists().where(_offered(), Variant.on_hand - Variant.reserved > 0))
    for name, value in query.option_filter.items():
        # JSON extraction works alike on SQLite (json_extract) and PostgreSQL (->>).
        option = func.lower(Variant.options[name].as_string())
        conditions.append(exists().where(_offered(), option == value))
    return conditions


def _ordered(statement: Select[Product, Category], query: SearchQuery) -> Select[Product, Category]:
    if query.sort in ("price_asc", "price_desc"):
        prices = (
            select(
                Variant.product_id.label("product_id"),
                func.min(Variant.price_minor).label("low"),
                func.max(Variant.price_minor).label("high"),
            )
            .where(Variant.is_active.is_(True), Variant.is_available.is_(True))
            .group_by(Variant.product_id)
            .subquery()
        )
        statement = statement.outerjoin(prices, prices.c.product_id == Product.id)
        # Products with nothing on offer have no price; they go last either way.
        unpriced = case((prices.c.low.is_(None), 1), else_=0)
        if query.sort == "price_asc":
            return statement.order_by(unpriced, prices.c.low, Product.name, Product.id)
        return statement.order_by(unpriced, prices.c.high.desc(), Product.name, Product.id)
    if query.sort == "newest":
        return statement.order_by(Product.created_at.desc(), Product.id.desc())
    words = query.keywords
    if not words:
        return statement.order_by(Product.name, Product.id)
    rank = case(
        (_contains(Product.name, query.phrase), 0),
        (and_(*[_contains(Product.name, word) for word in words]), 1),
        (or_(*[_contains(Product.name, word) for word in words]), 2),
        else_=3,
    )
    return statement.order_by(rank, Product.name, Product.id)


class SqlProductSearch:
    """Searches the catalog tables directly; its facets count categories only."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], currency: str) -> None:
        self._sessions = sessions
        self._currency = currency

    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of active products matching ``query``, with category counts."""
        conditions = _conditions(query)
        async with self._sessions(execution_options=read_only_options()) as session:
            total = await session.scalar(
                select(func.count())
                .select_from(Product)
                .join(Category, Category.id == Product.category_id)
                .where(*conditions)
            )
            statement = (
                select(Product, Category)
                .join(Category, Category.id == Product.category_id)
                .where(*conditions)
            )
            statement = _ordered(statement, query)
            statement = statement.offset(query.page.offset).limit(query.page.limit)
            rows: list[tuple[Product, Category]] = [
                (product, category) for product, category in await session.execute(statement)
            ]
            variants = await self._variants(session, [product.id for product, _ in rows])
            categories = await self._category_counts(session, conditions) if total else []
        items = [
            product_summary(product, category, variants[product.id], self._currency)
            for product, category in rows
        ]
        return SearchPage(
            items=items,
            total=int(total or 0),
            page=query.page.page,
            page_size=query.page.page_size,
            facets=SearchFacets(categories=categories),
        )

    async def _category_counts(
        self, session: AsyncSession, conditions: list[ColumnElement[bool]]
    ) -> list[FacetValue]:
        count = func.count(Product.id)
        rows = await session.execute(
            select(Category.name, count)
            .select_from(Product)
            .join(Category, Category.id == Product.category_id)
            .where(*conditions)
            .group_by(Category.name)
            .order_by(count.desc(), Category.name)
        )
        return [FacetValue(value=name, count=int(n)) for name, n in rows]

    async def _variants(
        self, session: AsyncSession, product_ids: list[str]
    ) -> dict[str, list[Variant]]:
        found: dict[str, list[Variant]] = defaultdict(list)
        if not product_ids:
            return found
        rows = await session.scalars(
            select(Variant)
            .where(Variant.product_id.in_(product_ids), Variant.is_active.is_(True))
            .order_by(Variant.created_at, Variant.id)
        )
        for variant in rows:
            found[variant.product_id].append(variant)
        return found
