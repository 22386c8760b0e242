"""All SQL of the approvals context."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.approvals.models import Approval, ApprovalStatus


class ApprovalRepository:
    """Approvals over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: Approval) -> None:
        """Stage a new approval."""
        self._session.add(row)

    async def get(self, approval_id: str) -> Approval | None:
        """An approval by id."""
        return await self._session.get(Approval, approval_id)

    async def pending(self, user_id: str, now: datetime) -> list[Approval]:
        """The user's live pending approvals, oldest first."""
        rows = await self._session.scalars(
            select(Approval)
            .where(
                Approval.user_id == user_id,
                Approval.status == ApprovalStatus.PENDING,
                Approval.expires_at > now,
            )
            .order_by(Approval.created_at)
        )
        return list(rows)

    async def move(
        self, approval_id: str, source: ApprovalStatus, target: ApprovalStatus, at: datetime
    ) -> bool:
        """Change the status only if it still is ``source`` (so each step happens once)."""
        result = await self._session.execute(
            update(Approval)
            .where(Approval.id == approval_id, Approval.status == source)
            .values(status=target, decided_at=at)
        )
        return cast(CursorResult[tuple[()]], result).rowcount == 1
