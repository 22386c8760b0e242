"""Running one tool call: validate, confirm if it is a COMMIT, execute, and report as a message.

Expected failures (unknown tool, bad arguments, ``ShopError``, a declined confirmation) become
tool results the model can explain. Anything else propagates to the graph, which ends the turn
with an apology.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, ValidationError

from agent.confirmation import Decision, ask, needs_confirmation, prepare, refusal
from agent.window import current_turn
from services.kernel.errors import ShopError
from tools.base import ShopContext, ShopTool, ToolKind, dumps, error_payload, invalid_arguments


def pending_calls(messages: Sequence[BaseMessage]) -> list[ToolCall]:
    """Tool calls of the last assistant message that have no result yet (malformed ones too)."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, AIMessage):
            answered = {m.tool_call_id for m in messages[index + 1 :] if isinstance(m, ToolMessage)}
            calls = [*message.tool_calls, *_malformed(message)]
            return [call for call in calls if call["id"] not in answered]
    return []


def _malformed(message: AIMessage) -> list[ToolCall]:
    return [
        ToolCall(
            name=str(bad.get("name") or ""),
            args={"__malformed__": bad.get("args") or ""},
            id=str(bad.get("id") or f"invalid_{n}"),
        )
        for n, bad in enumerate(message.invalid_tool_calls)
    ]


def error_message(call: ToolCall, payload: Mapping[str, Any]) -> ToolMessage:
    """A tool result carrying an error the model should see."""
    return ToolMessage(
        content=dumps(payload),
        artifact=dict(payload),
        name=call["name"],
        tool_call_id=call["id"] or "",
        status="error",
    )


async def handle_call(
    call: ToolCall,
    tools: Mapping[str, ShopTool],
    context: ShopContext,
    state: Mapping[str, Any],
    config: RunnableConfig,
) -> ToolMessage:
    """Run one call to completion, or stop the graph for the shopper's confirmation."""
    tool = tools.get(call["name"])
    if tool is None:
        known = ", ".join(sorted(tools))
        return error_message(
            call, error_payload("unknown_tool", f"No tool named {call['name']!r}. Tools: {known}")
        )
    if "__malformed__" in call["args"]:
        return error_message(
            call, error_payload("invalid_arguments", "The arguments were not a valid JSON object.")
        )
    try:
        args = validated_args(tool, call["args"])
    except ValidationError as exc:
        return error_message(call, json.loads(invalid_arguments(exc)))
    if tool.kind is not ToolKind.READ and _already_made(call, state.get("messages", ())):
        return error_message(call, _REPEATED)
    if needs_confirmation(tool):
        try:
            confirmation = await prepare(tool, call["id"] or "", args, context)
        except ShopError as exc:
            return error_message(call, error_payload(exc.code, exc.message))
        decision = ask(confirmation)
        if decision is not Decision.APPROVED:
            return error_message(call, refusal(decision, tool.name))
    return await execute(tool, call, args, context, state, config)


_REPEATED = error_payload(
    "repeated_change",
    "This exact change was already made in this turn; it was not made again. Tell the shopper "
    "what was done.",
)


def _already_made(call: ToolCall, messages: Sequence[BaseMessage]) -> bool:
    """Whether this turn already made a call of the same tool with the same arguments that
    succeeded (a small model may repeat a change; running it twice would double it)."""
    turn = current_turn(messages)
    succeeded = {m.tool_call_id for m in turn if isinstance(m, ToolMessage) and m.status != "error"}
    return any(
        earlier["id"] in succeeded
        and earlier["id"] != call["id"]
        and earlier["name"] == call["name"]
        and earlier["args"] == call["args"]
        for message in turn
        if isinstance(message, AIMessage)
        for earlier in message.tool_calls
    )


def validated_args(tool: ShopTool, args: Mapping[str, Any]) -> dict[str, Any]:
    """The call's arguments checked against the tool's schema (the one the model sees)."""
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return dict(args)
    model = schema.model_validate(dict(args))
    return model.model_dump(mode="json", exclude_unset=True)


async def execute(
    tool: ShopTool,
    call: ToolCall,
    args: dict[str, Any],
    context: ShopContext,
    state: Mapping[str, Any],
    config: RunnableConfig,
) -> ToolMessage:
    """Invoke the tool with the run's context injected as its ``runtime``."""
    runtime = ToolRuntime(
        state=state,
        context=context,
        config=config,
        stream_writer=lambda _chunk: None,
        tool_call_id=call["id"],
        store=None,
    )
    message = await tool.ainvoke(
        {
            "type": "tool_call",
            "id": call["id"],
            "name": tool.name,
            "args": {**args, "runtime": runtime},
        },
        config,
    )
    assert isinstance(message, ToolMessage)
    return message
