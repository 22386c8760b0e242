"""The per-run context of the agent: who acts, the services, the model and the limits.

It is passed to every run (``graph.astream(..., context=AgentContext(...))``) and never stored
in the checkpoint, so a resumed thread always acts for the user of the request that resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable

from config.settings import Settings
from services.bootstrap import Container
from services.kernel.actor import Actor
from tools.base import ShopContext

ToolModel = Runnable[LanguageModelInput, AIMessage]


@dataclass(frozen=True)
class AgentLimits:
    """Bounds of one turn: tool calls, and graph steps (LangGraph's recursion limit)."""

    max_tool_calls: int = 8
    recursion_limit: int = 25

    @classmethod
    def from_settings(cls, settings: Settings) -> AgentLimits:
        """The limits configured for this process."""
        return cls(settings.agent_max_tool_calls, settings.agent_recursion_limit)


class AgentContext(ShopContext):
    """ShopContext plus the tool-bound model and the turn limits."""

    __slots__ = ("limits", "model")

    def __init__(
        self, actor: Actor, services: Container, model: ToolModel, limits: AgentLimits
    ) -> None:
        super().__init__(actor, services)
        self.model = model
        self.limits = limits
