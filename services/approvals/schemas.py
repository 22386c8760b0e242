"""Shapes of the approvals API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.approvals.models import Approval


class ApprovalOut(BaseModel):
    """A COMMIT call an assistant asked for, as its shopper sees it before saying yes or no."""

    id: str
    tool: str
    args: dict[str, Any]
    summary: dict[str, Any]
    status: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, row: Approval) -> ApprovalOut:
        """The API view of a row."""
        return cls(
            id=row.id,
            tool=row.tool,
            args=dict(row.args),
            summary=dict(row.summary),
            status=row.status.value,
            created_at=row.created_at,
            expires_at=row.expires_at,
            decided_at=row.decided_at,
        )
