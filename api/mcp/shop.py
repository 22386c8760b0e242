"""The shop as an MCP client sees it: the agent's own tools, acting for one API token's user.

Every call goes through the same pieces as the chat agent (the tool registry, argument
validation, confirmation summaries, the tool executor), so the READ/CART/COMMIT rules have one
source. The difference is how a COMMIT waits for a yes: here it is a single-use ticket
(:mod:`api.mcp.confirmations`) instead of a paused graph.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import ToolCall
from pydantic import BaseModel, ValidationError

from agent.confirmation import needs_confirmation, prepare
from agent.executor import execute, validated_args
from api.mcp.confirmations import ConfirmationBook, Ticket
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
    " Two steps: call it without confirmation_id to get a summary and a confirmation_id (nothing "
    "happens yet); show the summary to the user and, only if they approve, call it again with "
    "the same arguments plus that confirmation_id. Ids are single-use and expire."
)

Status = Literal["ok", "error", "confirmation_required"]


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
        book: ConfirmationBook | None = None,
        tools: Sequence[ShopTool] = TOOLS,
    ) -> None:
        self.container = container
        self._access = access_token
        self._refresh = refresh_token
        self._refresh_lock = asyncio.Lock()
        self.book = book or ConfirmationBook(container.clock)
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

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> Outcome:
        """Run one tool call; a COMMIT without a valid confirmation id only returns a summary."""
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
                if not ticket_id:
                    return await self._ask(tool, valid, context)
                await self._check(tool, valid, context, str(ticket_id))
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
        ticket = self.book.issue(context.actor.user_id, tool.name, args, summary)
        return _confirmation_required(ticket, args)

    async def _check(
        self, tool: ShopTool, args: dict[str, Any], context: ShopContext, ticket_id: str
    ) -> None:
        ticket = self.book.redeem(ticket_id, context.actor.user_id, tool.name, args)
        if await self._summary(tool, args, context) != ticket.summary:
            raise _Stale(
                f"{tool.name} was not run: its details (prices, cart, order) changed since the "
                "summary was shown. Ask again for a new summary."
            )

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
            "description": "Leave out on the first call; then the id returned with the summary, "
            "once the user approved it.",
        }
        description += TWO_STEP_NOTE
    return ToolSpec(tool.name, tool.kind, description, input_schema)


def _confirmation_required(ticket: Ticket, args: dict[str, Any]) -> Outcome:
    data = {
        "status": "confirmation_required",
        "confirmation_id": ticket.id,
        "tool": ticket.tool,
        "args": args,
        "summary": ticket.summary,
        "expires_at": ticket.expires_at.isoformat(),
    }
    text = (
        "Nothing was done yet. Show this summary to the user; if they approve, call "
        f"{ticket.tool} again with the same arguments and confirmation_id={ticket.id!r}. "
        + dumps(data)
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
