"""The agent's checkpointed state."""

from __future__ import annotations

from typing import Annotated, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.managed import RemainingSteps


class AgentState(TypedDict):
    """The conversation, and how many tool calls the current turn has used.

    ``turn_tool_calls`` has no reducer: each new shopper message sets it back to 0.
    """

    messages: Annotated[list[AnyMessage], add_messages]
    turn_tool_calls: NotRequired[int]
    remaining_steps: NotRequired[RemainingSteps]
