"""A thread's checkpointed state as the chat API shows it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.types import Interrupt

from agent.schemas import MessageOut, PendingConfirmation
from tools.base import parse_result


def pending_of(interrupts: Iterable[Interrupt] | None) -> PendingConfirmation | None:
    """The confirmation a thread is waiting for, from its pending interrupts."""
    for item in interrupts or ():
        value: Any = item.value
        if isinstance(value, dict) and {"id", "tool", "args", "summary"} <= set(value):
            return PendingConfirmation.model_validate(value)
    return None


def to_messages(messages: Sequence[BaseMessage]) -> list[MessageOut]:
    """User, assistant and tool messages; tool results unwrapped to their data."""
    out: list[MessageOut] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            out.append(MessageOut(role="user", content=message.text))
        elif isinstance(message, AIMessage):
            calls = [
                {"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.tool_calls
            ]
            out.append(MessageOut(role="assistant", content=message.text, tool_calls=calls or None))
        elif isinstance(message, ToolMessage):
            result, error = parse_result(message.content, message.artifact)
            out.append(
                MessageOut(
                    role="tool",
                    name=message.name,
                    tool_call_id=message.tool_call_id,
                    result=result,
                    error=error,
                )
            )
    return out
