"""Two-step COMMIT calls over MCP: a first call earns a confirmation id, a second call spends it.

An MCP client has no interrupt to pause on, so the confirmation is a ticket: it is bound to the
user, the tool and the exact arguments, it is used once (spent even when the second call does
not match, so a client cannot probe with altered arguments), and it expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.kernel.clock import Clock
from services.kernel.errors import Conflict, NotFound
from services.kernel.ids import new_token

DEFAULT_TTL = timedelta(minutes=5)
MAX_PENDING = 100


class ConfirmationUnknown(NotFound):
    code = "confirmation_not_found"


class ConfirmationExpired(Conflict):
    code = "confirmation_expired"


class ConfirmationMismatch(Conflict):
    code = "confirmation_mismatch"


@dataclass(frozen=True)
class Ticket:
    """A COMMIT call the user is asked to approve."""

    id: str
    user_id: str
    tool: str
    args_key: str
    summary: dict[str, Any]
    expires_at: datetime


def args_key(args: dict[str, Any]) -> str:
    """The canonical text of validated arguments (key order does not matter)."""
    return json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)


class ConfirmationBook:
    """The tickets of one MCP server process."""

    def __init__(self, clock: Clock, ttl: timedelta = DEFAULT_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._tickets: dict[str, Ticket] = {}

    def issue(
        self, user_id: str, tool: str, args: dict[str, Any], summary: dict[str, Any]
    ) -> Ticket:
        """A new single-use ticket for exactly this call."""
        self._forget_expired()
        if len(self._tickets) >= MAX_PENDING:
            oldest = min(self._tickets.values(), key=lambda ticket: ticket.expires_at)
            del self._tickets[oldest.id]
        ticket = Ticket(
            id="cf_" + new_token(18),
            user_id=user_id,
            tool=tool,
            args_key=args_key(args),
            summary=summary,
            expires_at=self._clock.now() + self._ttl,
        )
        self._tickets[ticket.id] = ticket
        return ticket

    def redeem(self, ticket_id: str, user_id: str, tool: str, args: dict[str, Any]) -> Ticket:
        """Spend a ticket for this user, tool and arguments (it cannot be used again)."""
        ticket = self._tickets.get(ticket_id)
        if ticket is None or ticket.user_id != user_id:
            raise ConfirmationUnknown(
                "No such confirmation (ids are single-use): call the tool without "
                "confirmation_id to get a new summary."
            )
        del self._tickets[ticket_id]
        if self._clock.now() >= ticket.expires_at:
            raise ConfirmationExpired("The confirmation expired; ask for a new one.")
        if ticket.tool != tool or ticket.args_key != args_key(args):
            raise ConfirmationMismatch(
                "The confirmation was issued for different arguments; nothing was done and "
                "it is no longer valid."
            )
        return ticket

    def _forget_expired(self) -> None:
        now = self._clock.now()
        for ticket in [t for t in self._tickets.values() if now >= t.expires_at]:
            del self._tickets[ticket.id]
