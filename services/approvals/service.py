"""Out-of-band approval of COMMIT calls asked for by an outside agent (an MCP client).

The agent's call creates a *pending* approval bound to the user, the tool and the exact
arguments. Only the shopper answers it, with their own login (REST or the web page); the agent
can then use it once. Nothing the agent sends can approve it: ``redeem`` refuses a pending one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from services.approvals.errors import (
    ConfirmationDecided,
    ConfirmationDeclined,
    ConfirmationExpired,
    ConfirmationMismatch,
    ConfirmationNotApproved,
    ConfirmationUnknown,
)
from services.approvals.models import Approval, ApprovalStatus
from services.approvals.schemas import ApprovalOut
from services.kernel.actor import Actor
from services.kernel.clock import Clock
from services.kernel.idempotency import fingerprint
from services.kernel.ids import new_token
from services.uow import ShopUnitOfWork

DEFAULT_TTL = timedelta(minutes=10)
UNKNOWN = (
    "No such confirmation (ids are single-use): call the tool without confirmation_id to ask "
    "the shopper again."
)


class ApprovalService:
    """Pending approvals: asked by an agent, answered by the shopper, used once by the agent."""

    def __init__(
        self, uow: Callable[[], ShopUnitOfWork], clock: Clock, ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = ttl

    async def request(
        self, user_id: str, tool: str, args: dict[str, Any], summary: dict[str, Any]
    ) -> ApprovalOut:
        """A new pending approval for exactly this call."""
        now = self._clock.now()
        row = Approval(
            id="cf_" + new_token(18),
            user_id=user_id,
            tool=tool,
            fingerprint=fingerprint(tool, args),
            args=args,
            summary=summary,
            status=ApprovalStatus.PENDING,
            created_at=now,
            expires_at=now + self._ttl,
        )
        async with self._uow() as uow:
            uow.approvals.add(row)
            await uow.commit()
        return ApprovalOut.of(row)

    async def pending(self, actor: Actor) -> list[ApprovalOut]:
        """The shopper's approvals waiting for an answer."""
        async with self._uow().read_only() as uow:
            rows = await uow.approvals.pending(actor.user_id, self._clock.now())
            return [ApprovalOut.of(row) for row in rows]

    async def get(self, actor: Actor, approval_id: str) -> ApprovalOut:
        """One of the shopper's approvals (another user's is not found)."""
        async with self._uow().read_only() as uow:
            return ApprovalOut.of(await _own(uow, actor.user_id, approval_id))

    async def decide(self, actor: Actor, approval_id: str, approve: bool) -> ApprovalOut:
        """The shopper's yes or no; a pending approval is answered once."""
        now = self._clock.now()
        target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        async with self._uow() as uow:
            row = await _own(uow, actor.user_id, approval_id)
            if now >= row.expires_at:
                raise ConfirmationExpired("The confirmation expired; ask the assistant again.")
            status = row.status.value
            if not await uow.approvals.move(approval_id, ApprovalStatus.PENDING, target, now):
                raise ConfirmationDecided(f"This confirmation was already {status}.")
            await uow.commit()
        return await self.get(actor, approval_id)

    async def redeem(
        self, user_id: str, approval_id: str, tool: str, args: dict[str, Any]
    ) -> ApprovalOut:
        """Use an approved approval for this exact call, once; anything else is refused."""
        now = self._clock.now()
        async with self._uow() as uow:
            row = await _own(uow, user_id, approval_id)
            out = ApprovalOut.of(row)
            expired, same_call = now >= row.expires_at, fingerprint(tool, args) == row.fingerprint
            if row.status is ApprovalStatus.PENDING and not expired:
                raise ConfirmationNotApproved(
                    "The shopper has not approved this yet. Ask them to approve it in the "
                    "DomTok web shop (or POST /api/v1/confirmations/{id}/approve with their own "
                    "login); then call again with the same confirmation_id."
                )
            # Every other outcome spends the id, so it cannot be probed or replayed.
            spent = await uow.approvals.move(approval_id, row.status, ApprovalStatus.USED, now)
            await uow.commit()
        _judge(out, spent, expired, same_call)
        return out


async def _own(uow: ShopUnitOfWork, user_id: str, approval_id: str) -> Approval:
    row = await uow.approvals.get(approval_id)
    if row is None or row.user_id != user_id:
        raise ConfirmationUnknown(UNKNOWN)
    return row


def _judge(out: ApprovalOut, spent: bool, expired: bool, same_call: bool) -> None:
    if not spent or out.status == ApprovalStatus.USED:
        raise ConfirmationUnknown(UNKNOWN)
    if expired:
        raise ConfirmationExpired("The confirmation expired; ask for a new one.")
    if out.status == ApprovalStatus.REJECTED:
        raise ConfirmationDeclined(f"The shopper declined; {out.tool} was not run.")
    if not same_call:
        raise ConfirmationMismatch(
            "The confirmation was issued for different arguments; nothing was done and it is "
            "no longer valid."
        )
