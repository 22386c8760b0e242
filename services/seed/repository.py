"""SQL of the seeder: what exists already, and bulk inserts of what does not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.models import Category, PriceChange, Product, Variant
from services.users.models import Address, GiftCard, PaymentMethod, User

SeedTable = type[
    User | Address | GiftCard | PaymentMethod | Category | Product | Variant | PriceChange
]
_CHUNK = 500


class SeedRepository:
    """Reads and bulk writes over the seeding transaction's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def external_ids(
        self, model: type[User | Product | Variant | PaymentMethod]
    ) -> dict[str, str]:
        """Rows that came from τ: external id -> our id."""
        rows = await self._session.execute(
            select(model.external_id, model.id).where(model.external_id.is_not(None))
        )
        return {str(external): str(own) for external, own in rows.all()}

    async def users_by_email(self, emails: Sequence[str]) -> dict[str, str]:
        """Existing users among ``emails``: email -> id."""
        rows = await self._session.execute(
            select(User.email, User.id).where(User.email.in_(list(emails)))
        )
        return {email: user_id for email, user_id in rows.all()}

    async def categories_by_name(self) -> dict[str, str]:
        """Every category: lower-cased name -> id."""
        rows = await self._session.execute(select(Category.name, Category.id))
        return {name.lower(): category_id for name, category_id in rows.all()}

    async def insert_rows(
        self,
        model: SeedTable,
        rows: Sequence[dict[str, Any]],
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        """Insert plain rows in chunks (executemany; no ORM objects are built)."""
        for start in range(0, len(rows), _CHUNK):
            chunk = list(rows[start : start + _CHUNK])
            await self._session.execute(insert(model), chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))

    async def fill_search_terms(self, terms_by_name: dict[str, str]) -> int:
        """Give τ products without search terms those of their name; how many got some."""
        filled = 0
        for name, terms in terms_by_name.items():
            result = await self._session.execute(
                update(Product)
                .where(
                    Product.name == name,
                    Product.external_id.is_not(None),
                    Product.search_terms == "",
                )
                .values(search_terms=terms)
            )
            filled += int(getattr(result, "rowcount", 0) or 0)
        return filled

    async def count(self, model: SeedTable) -> int:
        """Rows in a table."""
        return int(await self._session.scalar(select(func.count()).select_from(model)) or 0)
