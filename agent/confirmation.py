"""Confirmation in code: a COMMIT call runs only after the shopper approves that exact call.

The graph's tool node calls :func:`ask` for each COMMIT call, one call per node run, so several
COMMIT calls in one model step are confirmed one at a time. ``ask`` pauses the graph with
``interrupt({"id", "tool", "args", "summary"})``; the summary is computed by read services
(items, amounts, order id). The shopper resumes it with ``{"id": ..., "approve": bool}``.

The id hashes the call id, tool, arguments and summary. When the node runs again on resume it
recomputes the summary; if anything changed (a price, the cart) the id no longer matches the
approved one and the call is not run.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from langgraph.types import interrupt

from tools.base import ShopContext, ShopTool, ToolKind, error_payload


class Decision(enum.StrEnum):
    """The shopper's answer to one confirmation."""

    APPROVED = "approved"
    REJECTED = "rejected"
    STALE = "stale"


@dataclass(frozen=True)
class Confirmation:
    """What the shopper is asked to approve."""

    id: str
    tool: str
    args: dict[str, Any]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The interrupt payload and the API's ``pending_confirmation``."""
        return asdict(self)


def needs_confirmation(tool: ShopTool) -> bool:
    """COMMIT tools move money or change orders and the account: they wait for a yes."""
    return tool.kind is ToolKind.COMMIT


def confirmation_id(call_id: str, tool: str, args: dict[str, Any], summary: dict[str, Any]) -> str:
    """A stable id for exactly this call with exactly this summary."""
    canonical = json.dumps([call_id, tool, args, summary], sort_keys=True, default=str)
    return "cf_" + hashlib.sha256(canonical.encode()).hexdigest()[:24]


async def prepare(
    tool: ShopTool, call_id: str, args: dict[str, Any], context: ShopContext
) -> Confirmation:
    """Build the confirmation; the summary comes from read services (ShopError propagates)."""
    if tool.summarize is not None:
        summary = await tool.summarize(context, args)
    else:
        summary = {"action": tool.name}
    return Confirmation(
        confirmation_id(call_id, tool.name, args, summary), tool.name, args, summary
    )


def ask(confirmation: Confirmation) -> Decision:
    """Pause for the shopper's answer (or take it, on resume) and judge it."""
    answer = interrupt(confirmation.to_dict())
    if not isinstance(answer, dict) or answer.get("id") != confirmation.id:
        return Decision.STALE
    return Decision.APPROVED if answer.get("approve") is True else Decision.REJECTED


def resume_value(confirmation_id: str, approve: bool) -> dict[str, Any]:
    """What a client resumes the graph with."""
    return {"id": confirmation_id, "approve": approve}


# The error codes of a COMMIT call that did not run because the shopper did not approve it.
STALE_CODE = "confirmation_stale"
DECLINED_CODE = "declined_by_shopper"
NOT_APPROVED_CODES = frozenset({STALE_CODE, DECLINED_CODE})


def refusal(decision: Decision, tool: str) -> dict[str, Any]:
    """The tool result the model sees when a COMMIT call did not run."""
    if decision is Decision.STALE:
        return error_payload(
            STALE_CODE,
            f"{tool} was not run: its details changed before the shopper answered. "
            "Tell the shopper and ask again if they still want it.",
        )
    return error_payload(
        DECLINED_CODE, f"The shopper declined; {tool} was not run and nothing changed."
    )
