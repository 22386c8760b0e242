"""The shop as an MCP client sees it: the agent's own tools, acting for one API token's user.

Every call goes through the same pieces as the chat agent (the tool registry, argument
validation, confirmation summaries, the tool executor), so the READ/CART/COMMIT rules have one
source. The difference is how a COMMIT waits for a yes. The MCP client's model must never be the
one saying yes, so the question goes to the shopper around it: as an MCP elicitation (a form
the host shows the person) when the client supports it, or else as a pending approval
(:mod:`services.approvals`) the shopper answers with their own login; the client's retry with
that id then runs the call once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import ToolCall
from pydantic import BaseModel, ValidationError

from agent.confirmation import needs_confirmation, prepare
from agent.executor import execute, validated_args
from services.approvals.schemas import ApprovalOut
from services.approvals.service import ApprovalService
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.errors import ShopError
from services.kernel.ids import new_id
from services.users.errors import TokenExpired
from services.users.schemas import RefreshIn
from tools.base import ShopContext, ShopTool, ToolKind, dumps, error_payload, parse_result
from tools.registry import TOOLS

log = logging.getLogger(__name__)

CONFIRMATION_ARG = "confirmation_id"
TWO_STEP_NOTE = (
    " The shopper approves it outside this conversation: either your host shows them a "
    "confirmation form (MCP elicitation) and the call runs at once, or the call returns a "
    "confirmation_id that the shopper approves in the DomTok web shop; after they did, call it "
    "again with the same arguments plus that confirmation_id. You cannot approve it yourself."
)
APPROVE_PATH = "/api/v1/confirmations/{id}/approve"

Status = Literal["ok", "error", "confirmation_required", "input_required"]
Elicit = Callable[[str, dict[str, Any]], Awaitable[bool | None]]
"""Ask the person at the MCP host (not its model) to approve a summary: True for a yes, None
when the question goes back to the client and the answer comes with its retry."""


@dataclass(frozen=True)
class ToolSpec:
    """One tool as listed to MCP clients."""

    name: str
    kind: ToolKind
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a call returned: data for the client, and the text a model reads."""

    status: Status
    data: dict[str, Any]
    text: str


class ShopSession:
    """Runs shop tools for the user of an access token (refreshed when a refresh token is given)."""

    def __init__(
        self,
        container: Container,
        access_token: str,
        refresh_token: str | None = None,
        *,
        approvals: ApprovalService | None = None,
        tools: Sequence[ShopTool] = TOOLS,
    ) -> None:
        self.container = container
        self._access = access_token
        self._refresh = refresh_token
        self._refresh_lock = asyncio.Lock()
        self.approvals = approvals or container.approvals
        self.tools = {tool.name: tool for tool in tools}

    def specs(self) -> list[ToolSpec]:
        """Every tool with its class and the argument schema the chat model sees."""
        return [_spec(tool) for tool in self.tools.values()]

    async def actor(self) -> Actor:
        """The token's user, checked on every call so a revoked token or a ban applies at once."""
        users = self.container.users
        token = self._access
        try:
            return await users.authenticate(token)
        except TokenExpired:
            if self._refresh is None:
                raise
        async with self._refresh_lock:
            # Another call may have refreshed while this one waited; refresh tokens rotate.
            if token == self._access and self._refresh is not None:
                pair = await users.refresh(RefreshIn(refresh_token=self._refresh))
                self._access, self._refresh = pair.access_token, pair.refresh_token
        return await users.authenticate(self._access)

    async def call(
        self, name: str, arguments: Mapping[str, Any] | None, elicit: Elicit | None = None
    ) -> Outcome:
        """Run one tool call. A COMMIT runs only after the shopper's yes: asked through
        ``elicit`` when the client supports it, else the confirmation id of an approval the
        shopper gave out of band; otherwise it only returns a pending approval."""
        tool = self.tools.get(name)
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return _error("unknown_tool", f"No tool named {name!r}. Tools: {known}")
        args = dict(arguments or {})
        ticket_id = args.pop(CONFIRMATION_ARG, None) if needs_confirmation(tool) else None
        try:
            valid = validated_args(tool, args)
        except ValidationError as exc:
            return _invalid(exc)
        try:
            context = ShopContext(await self.actor(), self.container)
            if needs_confirmation(tool):
                if ticket_id:
                    await self._check(tool, valid, context, str(ticket_id))
                elif elicit is not None:
                    return await self._elicit(tool, valid, context, elicit)
                else:
                    return await self._ask(tool, valid, context)
            return await self._run(tool, valid, context)
        except ShopError as exc:
            return _error(exc.code, exc.message)
        except Exception:
            log.exception("MCP call %s failed", name)
            return _error("internal_error", "The shop could not complete this call.")

    async def _summary(
        self, tool: ShopTool, args: dict[str, Any], context: ShopContext
    ) -> dict[str, Any]:
        return (await prepare(tool, "", args, context)).summary

    async def _ask(self, tool: ShopTool, args: dict[str, Any], context: ShopContext) -> Outcome:
        summary = await self._summary(tool, args, context)
        approval = await self.approvals.request(context.actor.user_id, tool.name, args, summary)
        return _approval_pending(approval)

    async def _elicit(
        self, tool: ShopTool, args: dict[str, Any], context: ShopContext, elicit: Elicit
    ) -> Outcome:
        summary = await self._summary(tool, args, context)
        message = f"DomTok: approve {tool.name.replace('_', ' ')}?"
        try:
            approved = await elicit(message, summary)
        except Exception:
            log.warning("elicitation for %s failed; asking out of band instead", tool.name)
            return await self._ask(tool, args, context)
        if approved is None:
            return Outcome("input_required", {"message": message, "summary": summary}, message)
        if not approved:
            return _error("declined_by_shopper", f"The shopper declined; {tool.name} was not run.")
        if await self._summary(tool, args, context) != summary:
            raise _Stale(_STALE.format(tool=tool.name))
        return await self._run(tool, args, context)

    async def _check(
        self, tool: ShopTool, args: dict[str, Any], context: ShopContext, ticket_id: str
    ) -> None:
        approval = await self.approvals.redeem(context.actor.user_id, ticket_id, tool.name, args)
        if await self._summary(tool, args, context) != approval.summary:
            raise _Stale(_STALE.format(tool=tool.name))

    async def _run(self, tool: ShopTool, args: dict[str, Any], context: ShopContext) -> Outcome:
        call = ToolCall(name=tool.name, args=args, id=new_id("mcp"))
        message = await execute(tool, call, args, context, {}, {})
        result, error = parse_result(message.content, message.artifact)
        if error is not None:
            return Outcome("error", {"error": error}, dumps({"error": error}))
        data = result if isinstance(result, dict) else {"items": result}
        return Outcome("ok", data, str(message.content))


class _Stale(ShopError):
    status_code = 409
    code = "confirmation_stale"


_STALE = (
    "{tool} was not run: its details (prices, cart, order) changed since the summary was "
    "shown. Ask again for a new summary."
)


def _spec(tool: ShopTool) -> ToolSpec:
    schema = tool.tool_call_schema
    if not isinstance(schema, type) or not issubclass(schema, BaseModel):
        raise TypeError(f"{tool.name}: shop tools take a pydantic v2 argument model")
    input_schema = schema.model_json_schema()
    input_schema.pop("title", None)
    input_schema.pop("description", None)
    description = tool.description
    if needs_confirmation(tool):
        input_schema.setdefault("properties", {})[CONFIRMATION_ARG] = {
            "type": "string",
            "maxLength": 64,
            "description": "Leave out on the first call; then the id it returned, once the "
            "shopper approved it in the DomTok web shop.",
        }
        description += TWO_STEP_NOTE
    return ToolSpec(tool.name, tool.kind, description, input_schema)


def _approval_pending(approval: ApprovalOut) -> Outcome:
    data = {
        "status": "approval_pending",
        "confirmation_id": approval.id,
        "tool": approval.tool,
        "args": approval.args,
        "summary": approval.summary,
        "expires_at": approval.expires_at.isoformat(),
        "approve_with": "POST " + APPROVE_PATH.format(id=approval.id),
    }
    text = (
        "Nothing was done yet. The shopper must approve this themselves, in the DomTok web shop "
        f"(or POST {APPROVE_PATH.format(id=approval.id)} with their own login); you cannot "
        f"approve it. Tell them so, and once they have, call {approval.tool} again with the "
        f"same arguments and confirmation_id={approval.id!r}. " + dumps(data)
    )
    return Outcome("confirmation_required", data, text)


def _error(code: str, message: str) -> Outcome:
    payload = error_payload(code, message)
    return Outcome("error", payload, dumps(payload))


def _invalid(exc: ValidationError) -> Outcome:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or 'arguments'}: {err['msg']}"
        for err in exc.errors()
    )
    return _error("invalid_arguments", problems or "invalid arguments")
