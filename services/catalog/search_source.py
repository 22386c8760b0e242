"""Reads the search index is built from: active products with category and variants.

Used by the index writer (one product after a change, or every product on a reindex); the
documents come from :func:`~services.catalog.search_es_mapping.product_document`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.models import Category, Product, Variant
from services.catalog.search_es_mapping import product_document

Document = dict[str, Any]


class CatalogDocuments:
    """Search documents straight from the catalog tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], currency: str) -> None:
        self._sessions = sessions
        self._currency = currency

    async def documents(self, product_ids: Iterable[str]) -> dict[str, Document | None]:
        """Each id's document, or None when the product is gone or inactive (to be removed)."""
        wanted = sorted(set(product_ids))
        found: dict[str, Document | None] = dict.fromkeys(wanted)
        if not wanted:
            return found
        async with self._sessions() as session:
            rows = await self._active(session, Product.id.in_(wanted))
            for document in await self._documents(session, rows):
                found[document["id"]] = document
        return found

    async def count(self) -> int:
        """How many products a full reindex writes."""
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(Product).where(Product.is_active.is_(True))
            )
        return int(total or 0)

    async def batches(self, size: int = 200) -> AsyncIterator[list[Document]]:
        """Every active product's document, ``size`` at a time, in id order."""
        after = ""
        while True:
            async with self._sessions() as session:
                rows = await self._active(session, Product.id > after, limit=size)
                documents = await self._documents(session, rows)
            if not rows:
                return
            after = rows[-1][0].id
            yield documents

    async def products_of_variants(self, variant_ids: Iterable[str]) -> set[str]:
        """The products the given variants belong to."""
        wanted = sorted(set(variant_ids))
        if not wanted:
            return set()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Variant.product_id).where(Variant.id.in_(wanted)).distinct()
            )
            return set(rows)

    async def _active(
        self, session: AsyncSession, condition: Any, limit: int | None = None
    ) -> list[tuple[Product, Category]]:
        statement = (
            select(Product, Category)
            .join(Category, Category.id == Product.category_id)
            .where(Product.is_active.is_(True), condition)
            .order_by(Product.id)
        )
        if limit is not None:
            statement = statement.limit(limit)
        return [(product, category) for product, category in await session.execute(statement)]

    async def _documents(
        self, session: AsyncSession, rows: list[tuple[Product, Category]]
    ) -> list[Document]:
        variants: dict[str, list[Variant]] = defaultdict(list)
        if rows:
            found = await session.scalars(
                select(Variant)
                .where(Variant.product_id.in_([product.id for product, _ in rows]))
                .order_by(Variant.created_at, Variant.id)
            )
            for variant in found:
                variants[variant.product_id].append(variant)
        return [
            product_document(product, category, variants[product.id], self._currency)
            for product, category in rows
        ]
