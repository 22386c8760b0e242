"""All SQL of the carts context."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.carts.models import CartLine


class CartRepository:
    """A user's cart lines over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lines(self, user_id: str, variant_ids: Sequence[str] | None = None) -> list[CartLine]:
        """The user's lines, oldest first; only ``variant_ids`` when given."""
        query = select(CartLine).where(CartLine.user_id == user_id)
        if variant_ids is not None:
            query = query.where(CartLine.variant_id.in_(list(variant_ids)))
        rows = await self._session.scalars(query.order_by(CartLine.added_at, CartLine.variant_id))
        return list(rows)

    async def get_line(self, user_id: str, variant_id: str) -> CartLine | None:
        """One line, locked for update where the database supports it."""
        result = await self._session.scalars(
            select(CartLine)
            .where(CartLine.user_id == user_id, CartLine.variant_id == variant_id)
            .with_for_update()
        )
        return result.first()

    def add(self, line: CartLine) -> None:
        """Stage a new line."""
        self._session.add(line)

    async def flush(self) -> None:
        """Send staged changes (the primary key refuses a second line of one variant)."""
        await self._session.flush()

    async def delete_lines(self, user_id: str, variant_ids: Sequence[str] | None = None) -> int:
        """Remove the user's lines (only ``variant_ids`` when given); returns how many."""
        statement = delete(CartLine).where(CartLine.user_id == user_id)
        if variant_ids is not None:
            statement = statement.where(CartLine.variant_id.in_(list(variant_ids)))
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)
