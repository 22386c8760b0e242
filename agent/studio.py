"""The agent for the LangGraph CLI and Studio (``langgraph dev``, see ``langgraph.json``).

There the platform supplies the checkpointer and each run's context is JSON:
``{"user_email": "demo@domtok.local", "model_provider": "scripted"}``. This module turns it into
an :class:`AgentContext` with services built once from the environment's settings. The API and
CLI never use it: they pass a ready AgentContext and refuse runs without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from typing_extensions import TypedDict

from agent.context import AgentContext, AgentLimits, ToolModel, plans_turns
from agent.graph import build_graph
from agent.models import make_model
from agent.planning import tools_to_bind
from config.settings import ModelProvider, get_settings
from services.bootstrap import Container, bootstrap
from services.kernel.actor import Actor
from services.kernel.errors import NotFound

DEMO_SHOPPER_EMAIL = "demo@domtok.local"


class StudioContext(TypedDict, total=False):
    """What a Studio run may set: who acts, and which model provider answers."""

    user_email: str
    model_provider: ModelProvider


_shared: dict[str, Any] = {}
_lock = asyncio.Lock()


async def _container() -> Container:
    async with _lock:
        if "container" not in _shared:
            _shared["container"] = bootstrap(get_settings())
        container: Container = _shared["container"]
        return container


async def _model(container: Container, provider: ModelProvider | None) -> ToolModel:
    key = f"model:{provider or container.settings.model_provider}"
    async with _lock:
        if key not in _shared:
            model = await asyncio.to_thread(make_model, container.settings, provider)
            planning = plans_turns(container.settings, provider)
            _shared[key] = model.bind_tools(tools_to_bind(planning))
        bound: ToolModel = _shared[key]
        return bound


async def studio_context(context: Any) -> AgentContext:
    """An AgentContext from a Studio run's JSON context (default: the demo shopper)."""
    if isinstance(context, AgentContext):
        return context
    values: dict[str, Any] = dict(context or {})
    container = await _container()
    email = values.get("user_email") or DEMO_SHOPPER_EMAIL
    user = await container.users.find_by_email(email)
    if user is None:
        raise NotFound(f"No user {email}; seed the demo shop with `domtok seed --demo`.")
    model = await _model(container, values.get("model_provider"))
    limits = AgentLimits.from_settings(container.settings, values.get("model_provider"))
    return AgentContext(Actor(user.id, user.role), container, model, limits)


graph = build_graph(resolve_context=studio_context, context_schema=StudioContext)
