"""All SQL of the payments context."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import PageRequest
from services.payments.models import LedgerEntry, PaymentToken


class PaymentRepository:
    """Ledger rows and payment tokens over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: LedgerEntry | PaymentToken) -> None:
        """Stage a new row."""
        self._session.add(row)

    async def entries_for(self, order_id: str) -> list[LedgerEntry]:
        """Every ledger row of an order, oldest first."""
        rows = await self._session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.order_id == order_id)
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        )
        return list(rows)

    async def entries_for_orders(self, order_ids: list[str]) -> dict[str, list[LedgerEntry]]:
        """Ledger rows grouped by order (for listing several orders at once)."""
        grouped: dict[str, list[LedgerEntry]] = {order_id: [] for order_id in order_ids}
        if not order_ids:
            return grouped
        rows = await self._session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.order_id.in_(order_ids))
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        )
        for row in rows:
            grouped[row.order_id].append(row)
        return grouped

    async def entries_of_user(
        self, user_id: str, page: PageRequest
    ) -> tuple[list[LedgerEntry], int]:
        """A user's ledger rows, newest first."""
        where = LedgerEntry.user_id == user_id
        total = await self._session.scalar(
            select(func.count()).select_from(LedgerEntry).where(where)
        )
        rows = await self._session.scalars(
            select(LedgerEntry)
            .where(where)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
            .offset(page.offset)
            .limit(page.limit)
        )
        return list(rows), int(total or 0)

    async def get_token(self, token_hash: str) -> PaymentToken | None:
        """A payment token by its hash."""
        return await self._session.get(PaymentToken, token_hash)

    async def use_token(self, token_hash: str, order_id: str, user_id: str, now: datetime) -> bool:
        """Mark a live token of this order used (atomic); False when it cannot be used."""
        result = await self._session.execute(
            update(PaymentToken)
            .where(
                PaymentToken.token_hash == token_hash,
                PaymentToken.order_id == order_id,
                PaymentToken.user_id == user_id,
                PaymentToken.used_at.is_(None),
                PaymentToken.expires_at > now,
            )
            .values(used_at=now),
            execution_options={"synchronize_session": "fetch"},
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
