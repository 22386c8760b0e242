"""The chat event vocabulary, and the translation of LangGraph's stream into it.

token {text} · tool_call {id, name, args} · tool_result {id, name, result | error}
confirmation_required {id, tool, args, summary} · error {code, message} · done {ChatResponse}
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from agent.cart_changes import cart_changes
from agent.context import AgentContext
from agent.graph import AgentGraph
from agent.history import pending_of
from agent.schemas import ChatResponse, PendingConfirmation, ToolCallOut
from tools.base import parse_result


@dataclass(frozen=True)
class ChatEvent:
    """One streamed event: its name and JSON-ready data."""

    event: str
    data: dict[str, Any]


@dataclass
class Turn:
    """What one run produced, accumulated from the graph's stream."""

    thread_id: str
    replies: list[str] = field(default_factory=list)
    calls: dict[str, ToolCallOut] = field(default_factory=dict)
    done_ids: list[str] = field(default_factory=list)
    pending: PendingConfirmation | None = None

    def response(self) -> ChatResponse:
        """The JSON shape of the turn so far."""
        calls = [self.calls[call_id] for call_id in self.done_ids]
        return ChatResponse(
            thread_id=self.thread_id,
            reply="\n\n".join(text for text in self.replies if text),
            tool_calls=calls,
            pending_confirmation=self.pending,
            cart_changes=cart_changes(calls),
        )


async def graph_events(
    graph: AgentGraph,
    graph_input: Any,
    config: RunnableConfig,
    context: AgentContext,
    turn: Turn,
) -> AsyncIterator[ChatEvent]:
    """Run the graph and yield chat events, recording the outcome in ``turn``."""
    stream = graph.astream(
        graph_input, config, context=context, stream_mode=["messages", "updates"]
    )
    item: Any
    async for item in stream:
        mode, chunk = item
        if mode == "messages":
            message, metadata = chunk
            # Model tokens, and whole replies the graph writes itself (limits, apologies).
            from_graph = metadata.get("langgraph_node") in {"agent", "act"}
            if from_graph and isinstance(message, AIMessage) and message.text:
                yield ChatEvent("token", {"text": message.text})
            continue
        for node, update in chunk.items():
            if node == "__interrupt__":
                turn.pending = pending_of(update)
                if turn.pending is not None:
                    yield ChatEvent("confirmation_required", turn.pending.model_dump())
                continue
            for message in (update or {}).get("messages", []):
                for event in message_events(message, turn):
                    yield event


def message_events(message: BaseMessage, turn: Turn) -> list[ChatEvent]:
    """Events for a message a node added, recording calls and results in ``turn``."""
    events: list[ChatEvent] = []
    if isinstance(message, AIMessage) and not isinstance(message, AIMessageChunk):
        turn.replies.append(message.text)
        for call in message.tool_calls:
            turn.calls[call["id"] or ""] = ToolCallOut(name=call["name"], args=call["args"])
            events.append(
                ChatEvent(
                    "tool_call", {"id": call["id"], "name": call["name"], "args": call["args"]}
                )
            )
    elif isinstance(message, ToolMessage):
        result, error = parse_result(message.content, message.artifact)
        known = turn.calls.get(message.tool_call_id)
        name = message.name or (known.name if known else "")
        out = ToolCallOut(name=name, args=known.args if known else {}, result=result, error=error)
        turn.calls[message.tool_call_id] = out
        turn.done_ids.append(message.tool_call_id)
        data: dict[str, Any] = {"id": message.tool_call_id, "name": name}
        data.update({"error": error} if error is not None else {"result": result})
        events.append(ChatEvent("tool_result", data))
    return events
