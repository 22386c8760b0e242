"""The support-desk mode: shop staff serving one customer under τ-bench retail's policy.

Same graph, executor, confirmation machinery and model providers as the shopping assistant;
what differs is the role (the system prompt carries τ's policy), the tools (τ's 16, over the τ
desk) and the context, which carries the desk and its session. The session is strict: the
agent acts only after finding the customer by email or by name and zip, and only for that
customer (our services refuse anyone else's records as not found). Every write waits for the
customer's explicit yes to the exact change (the graph's confirmation interrupt).

:class:`SupportConversation` drives one conversation in process (``tau run`` uses it): send a
customer message, read the reply and any pending confirmation, answer it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from agent.confirmation import resume_value
from agent.context import AgentContext, AgentLimits, ToolModel
from agent.executor import error_message, pending_calls
from agent.graph import AgentGraph, build_graph, turn_input
from agent.history import pending_of
from agent.prompts import UNTRUSTED_DATA_RULE
from agent.schemas import PendingConfirmation
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.tau.desk import TauDesk
from services.tau.policy import retail_policy
from tools.base import error_payload
from tools.tau import TAU_TOOLS

SUPPORT_CONFIRMATION_RULE = (
    "Every action that changes the database (cancel, modify, return, exchange, address "
    "changes) is shown to the customer with its exact details and runs only after they answer "
    "yes: collect every detail first, then call the tool; the customer is asked automatically. "
    "If a tool result says the customer declined, do not retry unless they ask again."
)

SUPPORT_PROMPT = "\n\n".join(
    [
        "You are a customer-service agent of an online retail store, working through the "
        "store's tools on behalf of the customer you are talking to.",
        retail_policy().strip(),
        SUPPORT_CONFIRMATION_RULE,
        UNTRUSTED_DATA_RULE.replace("shopper", "customer"),
        "Be concise. Use the ids exactly as the tools return them.",
    ]
)

TRANSFER_TOOL = "transfer_to_human_agents"


class SupportContext(AgentContext):
    """The agent's context plus the τ desk serving this conversation's customer."""

    __slots__ = ("desk",)

    def __init__(
        self,
        actor: Actor,
        services: Container,
        model: ToolModel,
        limits: AgentLimits,
        desk: TauDesk,
    ) -> None:
        super().__init__(actor, services, model, limits)
        self.desk = desk


def build_support_graph(checkpointer: Any = None) -> AgentGraph:
    """The agent graph over τ's tools with the support-desk prompt."""
    return build_graph(checkpointer, tools=TAU_TOOLS, system_prompt=SUPPORT_PROMPT)


@dataclass
class SupportReply:
    """What the agent did for one customer message or answer."""

    text: str
    confirmation: PendingConfirmation | None = None
    tools: list[str] = field(default_factory=list)
    failed: bool = False

    @property
    def transferred(self) -> bool:
        """The agent handed the customer to a human."""
        return TRANSFER_TOOL in self.tools


class SupportConversation:
    """One conversation with the support agent, checkpointed in memory."""

    def __init__(self, context: SupportContext, graph: AgentGraph | None = None) -> None:
        self._context = context
        self._graph = graph or build_support_graph(InMemorySaver())
        self._config: RunnableConfig = {
            "configurable": {"thread_id": f"support-{uuid4().hex}"},
            "recursion_limit": context.limits.recursion_limit,
        }

    async def send(self, text: str) -> SupportReply:
        """The customer writes; a pending confirmation they did not answer is declined."""
        open_calls = pending_calls(await self.messages())
        superseded = error_payload(
            "superseded", "The customer wrote instead of confirming; nothing was done."
        )
        graph_input = dict(turn_input(text))
        closing: list[BaseMessage] = [error_message(call, superseded) for call in open_calls]
        graph_input["messages"] = [*closing, *graph_input["messages"]]
        return await self._run(graph_input)

    async def answer(self, confirmation: PendingConfirmation, approve: bool) -> SupportReply:
        """The customer answers the pending confirmation."""
        return await self._run(Command(resume=resume_value(confirmation.id, approve)))

    async def messages(self) -> list[BaseMessage]:
        """The conversation so far."""
        state = await self._graph.aget_state(self._config)
        values = state.values if isinstance(state.values, dict) else {}
        return list(values.get("messages", []))

    async def _run(self, graph_input: Any) -> SupportReply:
        before = len(await self.messages())
        failed = False
        try:
            await self._graph.ainvoke(graph_input, self._config, context=self._context)
        except GraphRecursionError:
            failed = True
        state = await self._graph.aget_state(self._config)
        new = (await self.messages())[before:]
        texts = [m.text for m in new if isinstance(m, AIMessage) and m.text.strip()]
        tools = [m.name or "" for m in new if isinstance(m, ToolMessage)]
        return SupportReply(
            text=texts[-1] if texts else "",
            confirmation=pending_of(state.interrupts),
            tools=tools,
            failed=failed,
        )


def confirmation_text(confirmation: PendingConfirmation) -> str:
    """How a pending confirmation is put to the customer."""
    lines = [f"Please confirm: {confirmation.summary.get('action', confirmation.tool)}."]
    for key, value in confirmation.summary.items():
        if key == "action":
            continue
        shown = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        lines.append(f"- {key.replace('_', ' ')}: {shown}")
    lines.append("Shall I proceed? Please answer yes or no.")
    return "\n".join(lines)


def is_yes(text: str) -> bool:
    """Whether a customer's answer to a confirmation approves it."""
    words = [w.strip(".,!?;:'\"*").lower() for w in text.split()]
    if not words:
        return False
    if any(w in {"no", "not", "don't", "dont", "cancel", "wait", "stop"} for w in words[:3]):
        return False
    return words[0] in _YES or "yes" in words[:6] or "proceed" in words


_YES = frozenset(
    {"yes", "y", "yeah", "yep", "sure", "ok", "okay", "confirm", "confirmed", "correct", "go"}
)
