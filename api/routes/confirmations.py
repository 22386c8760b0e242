"""Confirmations an outside assistant (an MCP client) asked for: the shopper answers them here.

An MCP client cannot approve its own COMMIT calls; these routes take the shopper's own login.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentUser, Services
from services.approvals.schemas import ApprovalOut

router = APIRouter(prefix="/confirmations", tags=["confirmations"])

ConfirmationId = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^cf_[\w-]+$")]


@router.get("")
async def list_confirmations(container: Services, actor: CurrentUser) -> list[ApprovalOut]:
    """Your confirmations waiting for an answer, oldest first."""
    return await container.approvals.pending(actor)


@router.get("/{confirmation_id}")
async def get_confirmation(
    container: Services, actor: CurrentUser, confirmation_id: ConfirmationId
) -> ApprovalOut:
    """One of your confirmations with its summary and status."""
    return await container.approvals.get(actor, confirmation_id)


@router.post("/{confirmation_id}/approve")
async def approve_confirmation(
    container: Services, actor: CurrentUser, confirmation_id: ConfirmationId
) -> ApprovalOut:
    """Approve it: the assistant may then run exactly this call, once."""
    return await container.approvals.decide(actor, confirmation_id, approve=True)


@router.post("/{confirmation_id}/reject")
async def reject_confirmation(
    container: Services, actor: CurrentUser, confirmation_id: ConfirmationId
) -> ApprovalOut:
    """Reject it: the call will not run."""
    return await container.approvals.decide(actor, confirmation_id, approve=False)
