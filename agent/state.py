"""The agent's checkpointed state."""

from __future__ import annotations

from typing import Annotated, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.managed import RemainingSteps


class AgentState(TypedDict):
    """The conversation, how many tool calls the current turn has used, and its plan.

    ``turn_tool_calls``, ``plan``, ``plans_made``, ``forced_steps`` and ``plan_done`` have no
    reducer: each new shopper message sets them back (see :func:`agent.graph.turn_input`).
    ``plan`` holds the changes of a planned turn (:mod:`agent.planning`) not yet made;
    ``forced_steps`` counts the calls the graph forced this turn; ``plan_done`` says every
    planned change was made (the model then only replies).
    """

    messages: Annotated[list[AnyMessage], add_messages]
    turn_tool_calls: NotRequired[int]
    remaining_steps: NotRequired[RemainingSteps]
    plan: NotRequired[list[str]]
    plans_made: NotRequired[int]
    forced_steps: NotRequired[int]
    plan_done: NotRequired[bool]
