"""The SQL engine of :class:`ProductSearch`: full-text keywords, filters, sorts and facets.

Keywords use the database's own full-text index (FTS5 on SQLite, a tsvector on PostgreSQL,
see :mod:`services.catalog.search_sql_text`); filters, sorts, pagination and the category facet
are plain SQL, alike on both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.models import Category, Product, Variant
from services.catalog.schemas import ProductSummary
from services.catalog.search import FacetValue, SearchFacets, SearchPage, SearchQuery
from services.catalog.search_sql_like import offered
from services.catalog.search_sql_text import AnySelect, TextMatch, text_match
from services.catalog.views import product_summary
from services.kernel.db import read_only_options


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Product.is_active.is_(True)]
    category = query.category_filter
    if category is not None:
        conditions.append(
            or_(Category.id == category, func.lower(Category.name) == category.lower())
        )
    if query.min_price is not None or query.max_price is not None:
        price = [offered()]
        if query.min_price is not None:
            price.append(Variant.price_minor >= query.min_price)
        if query.max_price is not None:
            price.append(Variant.price_minor <= query.max_price)
        conditions.append(exists().where(*price))
    if query.in_stock:
        conditions.append(exists().where(offered(), Variant.on_hand - Variant.reserved > 0))
    for name, value in query.option_filter.items():
        # JSON extraction works alike on SQLite (json_extract) and PostgreSQL (->>).
        option = func.lower(Variant.options[name].as_string())
        conditions.append(exists().where(offered(), option == value))
    return conditions


class _Matching:
    """The products a query matches, applied to any statement selecting from products."""

    def __init__(self, query: SearchQuery, dialect: str) -> None:
        self.text: TextMatch = text_match(query.keywords, dialect)
        self.filters = _filters(query)

    def apply(self, statement: AnySelect) -> AnySelect:
        """``statement`` joined to the category and narrowed to the matching products."""
        statement = statement.join(Category, Category.id == Product.category_id)
        return self.text.narrow(statement).where(*self.filters)


def _ordered(statement: AnySelect, query: SearchQuery, text: TextMatch) -> AnySelect:
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
    return statement.order_by(*text.ranking(), Product.name, Product.id)


class SqlProductSearch:
    """Searches the catalog tables directly; its facets count categories only."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], currency: str) -> None:
        self._sessions = sessions
        self._currency = currency

    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of active products matching ``query``, with category counts."""
        async with self._sessions(execution_options=read_only_options()) as session:
            matching = _Matching(query, session.get_bind().dialect.name)
            total = await session.scalar(matching.apply(select(func.count()).select_from(Product)))
            statement = matching.apply(select(Product, Category).select_from(Product))
            statement = _ordered(statement, query, matching.text)
            statement = statement.offset(query.page.offset).limit(query.page.limit)
            rows: list[tuple[Product, Category]] = [
                (product, category) for product, category in await session.execute(statement)
            ]
            variants = await self._variants(session, [product.id for product, _ in rows])
            categories = await self._category_counts(session, matching) if total else []
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

    async def outside_keywords(
        self, query: SearchQuery, product_ids: Sequence[str]
    ) -> dict[str, str]:
        """Those of ``product_ids`` that pass the query's filters but not its keywords, with
        their category names (what hybrid search may add after the keyword hits)."""
        if not product_ids:
            return {}
        async with self._sessions(execution_options=read_only_options()) as session:
            matching = _Matching(query, session.get_bind().dialect.name)
            wanted = Product.id.in_(list(product_ids))
            keyword_hits = set(
                await session.scalars(matching.apply(select(Product.id)).where(wanted))
            )
            rows = await session.execute(
                select(Product.id, Category.name)
                .join(Category, Category.id == Product.category_id)
                .where(wanted, *matching.filters)
            )
            return {pid: name for pid, name in rows if pid not in keyword_hits}

    async def summaries(self, product_ids: Sequence[str]) -> list[ProductSummary]:
        """The products' summaries, in the order given (missing ids are skipped)."""
        if not product_ids:
            return []
        async with self._sessions(execution_options=read_only_options()) as session:
            rows = await session.execute(
                select(Product, Category)
                .join(Category, Category.id == Product.category_id)
                .where(Product.id.in_(list(product_ids)))
            )
            found = {product.id: (product, category) for product, category in rows}
            variants = await self._variants(session, list(found))
        return [
            product_summary(*found[pid], variants[pid], self._currency)
            for pid in product_ids
            if pid in found
        ]

    async def _category_counts(
        self, session: AsyncSession, matching: _Matching
    ) -> list[FacetValue]:
        count = func.count(Product.id)
        rows = await session.execute(
            matching.apply(select(Category.name, count).select_from(Product))
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
