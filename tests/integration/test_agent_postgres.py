"""Conversations in PostgreSQL: the checkpointer and thread table work there, and a pending
confirmation survives a restart (a new checkpointer and graph over the same database)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from langgraph.types import Command

from agent.checkpointer import agent_store_url, open_checkpointer
from agent.context import AgentContext, AgentLimits
from agent.graph import build_graph, turn_input
from agent.threads import ThreadNotFound, ThreadStore
from config.settings import Settings
from services.kernel.actor import Actor
from services.kernel.clock import SystemClock
from services.kernel.pagination import PageRequest
from tests.agent.conftest import call, say, scripted
from tests.conftest import make_settings
from tools.base import ShopContext, ShopRuntime, ToolKind, context_of, shop_tool

pytestmark = pytest.mark.integration


async def _summary(context: ShopContext, args: dict[str, Any]) -> dict[str, Any]:
    return {"action": "ring the bell", "times": args["times"]}


@shop_tool(ToolKind.COMMIT, summarize=_summary)
async def ring_bell(runtime: ShopRuntime, times: int) -> dict[str, Any]:
    """Ring the shop's bell."""
    return {"rang": times, "for": context_of(runtime).actor.user_id}


@pytest.fixture
def pg_settings(tmp_path: Any) -> Settings:
    url = os.environ.get("DOMTOK_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        hint = 'run `eval "$(bash scripts/services/services.sh env)"`'
        pytest.skip(f"DOMTOK_TEST_DATABASE_URL is not set; {hint}")
    return make_settings(tmp_path, database_url=url)


async def test_a_pending_confirmation_survives_a_restart_on_postgres(pg_settings: Settings) -> None:
    thread = {"configurable": {"thread_id": f"thr_{uuid.uuid4().hex[:16]}"}}
    steps = [call("ring_bell", times=2), say("rung")]
    actor = Actor("usr_pg", "customer")

    def context() -> AgentContext:
        return AgentContext(actor, None, scripted(steps), AgentLimits())  # type: ignore[arg-type]

    async with open_checkpointer(pg_settings) as saver:
        assert type(saver).__name__ == "AsyncPostgresSaver"
        graph = build_graph(saver, tools=[ring_bell])
        await graph.ainvoke(turn_input("ring it"), thread, context=context())
        paused = await graph.aget_state(thread)
    (pending,) = paused.interrupts

    async with open_checkpointer(pg_settings) as saver:
        graph = build_graph(saver, tools=[ring_bell])
        restored = await graph.aget_state(thread)
        assert restored.interrupts[0].value == pending.value
        resume = Command(resume={"id": pending.value["id"], "approve": True})
        final = await graph.ainvoke(resume, thread, context=context())
    assert final["messages"][-2].artifact == {"rang": 2, "for": "usr_pg"}
    assert final["messages"][-1].content == "rung"


async def test_thread_ownership_on_postgres(pg_settings: Settings) -> None:
    store = await ThreadStore.open(agent_store_url(pg_settings), SystemClock())
    owner, other = f"usr_{uuid.uuid4().hex[:12]}", f"usr_{uuid.uuid4().hex[:12]}"
    try:
        thread = await store.create(owner, "hello there")
        assert (await store.get(owner, thread.id)).title == "hello there"
        with pytest.raises(ThreadNotFound):
            await store.get(other, thread.id)
        await store.touch(thread.id)
        assert (await store.list(owner, PageRequest())).items[0].id == thread.id
        assert (await store.list(other, PageRequest())).total == 0
    finally:
        await store.aclose()
