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
    """How one turn runs: its bounds (tool calls, and graph steps: LangGraph's recursion
    limit), whether the model plans the turn first (:mod:`agent.planning`) and how many
    characters of earlier turns each model call sees (:mod:`agent.window`)."""

    max_tool_calls: int = 8
    recursion_limit: int = 25
    planning: bool = False
    history_chars: int = 24_000

    @classmethod
    def from_settings(cls, settings: Settings, provider: str | None = None) -> AgentLimits:
        """The limits configured for this process, for the model of ``provider`` (default: the
        settings' provider; any other name, such as "custom", plans only if planning is "on")."""
        return cls(
            settings.agent_max_tool_calls,
            settings.agent_recursion_limit,
            planning=plans_turns(settings, provider),
            history_chars=settings.agent_history_chars,
        )


def plans_turns(settings: Settings, provider: str | None = None) -> bool:
    """Whether turns are planned: ``agent_planning`` "on", or "auto" with the local model."""
    if settings.agent_planning == "auto":
        return (provider or settings.model_provider) == "local"
    return settings.agent_planning == "on"


class AgentContext(ShopContext):
    """ShopContext plus the tool-bound model and the turn limits."""

    __slots__ = ("limits", "model")

    def __init__(
        self, actor: Actor, services: Container, model: ToolModel, limits: AgentLimits
    ) -> None:
        super().__init__(actor, services)
        self.model = model
        self.limits = limits
