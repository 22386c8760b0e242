"""Agent overhead: time per turn outside the model, our graph vs a bare LangGraph ReAct agent.

Every turn is one shopper message, one tool call and a final reply, decided by the same
scripted model (no language model). Model time (everything inside the model's ``ainvoke``) is
measured and subtracted, leaving what the graph, the tool plumbing and the checkpointer cost.

- ``bare``: ``langgraph.prebuilt.create_react_agent`` with a plain ``@tool`` echo and an
  in-memory checkpointer.
- ``graph``: our :func:`agent.graph.build_graph` with the same echo as a shop tool (argument
  validation, confirmation policy, tool runtime, result compaction) and an in-memory checkpointer.
- ``chat_service``: a whole chat turn as the API runs it (``ChatService``: thread table, SQLite
  checkpointer, streamed events, telemetry) with the same echo tool.
- ``chat_service_view_cart``: the same with a real shop tool (``view_cart`` on SQLite), for scale;
  its tool does real work, so it has no ratio.

Variants run interleaved in rounds, each turn in a new thread.
"""

from __future__ import annotations

import itertools
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from agent.chat import ChatService
from agent.checkpointer import agent_store_url, open_checkpointer
from agent.context import AgentContext, AgentLimits
from agent.graph import build_graph, turn_input
from agent.scripted import ScriptedChatModel
from agent.threads import ThreadStore
from bench.common import Headline, Outcome, ratio
from bench.context import BenchContext
from bench.shop import add_buyers
from services.bootstrap import bootstrap
from tools.base import ShopRuntime, ToolKind, shop_tool

NAME = "agent_overhead"
DESCRIPTION = (
    "Time per turn (one tool call) outside the model: our LangGraph agent vs a bare "
    "create_react_agent with the same scripted model and a trivial tool."
)
GOAL = 1.5
ROUNDS = 4


class OneCallScript:
    """Calls ``tool_name`` once after each shopper message, then replies; times the model."""

    def __init__(self, tool_name: str, args: dict[str, Any]) -> None:
        self.tool_name = tool_name
        self.args = args
        self.model_seconds = 0.0
        self._ids = itertools.count()

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """A tool call after a shopper message, a short reply after the tool's result."""
        if isinstance(messages[-1], HumanMessage):
            call = {"name": self.tool_name, "args": dict(self.args), "id": f"c{next(self._ids)}"}
            return AIMessage(content="", tool_calls=[call])
        return AIMessage(content="Done.")


class TimedScriptedModel(ScriptedChatModel):
    """The scripted model, adding the time of each call to its script's ``model_seconds``."""

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> AIMessage:  # noqa: A002
        """Time the whole model call (callbacks and streaming included)."""
        started = time.perf_counter()
        try:
            return await super().ainvoke(input, config, **kwargs)
        finally:
            self.script.model_seconds += time.perf_counter() - started


@tool
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@shop_tool(ToolKind.READ)
async def echo_shop(runtime: ShopRuntime, text: str) -> dict[str, str]:
    """Echo the text back."""
    return {"text": text}


Turn = Callable[[int], Awaitable[None]]


class Variant:
    """One way of running a turn, with its accumulated timings."""

    def __init__(self, name: str, script: OneCallScript, turn: Turn) -> None:
        self.name = name
        self.script = script
        self.turn = turn
        self.per_turn: list[float] = []
        self.model_total = 0.0

    async def run(self, turns: int, offset: int, record: bool = True) -> None:
        """Run ``turns`` turns; record total and model time unless warming up."""
        for n in range(turns):
            model_before = self.script.model_seconds
            started = time.perf_counter()
            await self.turn(offset + n)
            elapsed = time.perf_counter() - started
            model = self.script.model_seconds - model_before
            if record:
                self.per_turn.append(elapsed - model)
                self.model_total += model

    def figures(self) -> dict[str, Any]:
        """Mean and median time per turn outside the model, and the model's share."""
        turns = len(self.per_turn)
        return {
            "turns": turns,
            "ms_per_turn_excluding_model": round(statistics.fmean(self.per_turn) * 1000, 3),
            "median_ms_per_turn_excluding_model": round(statistics.median(self.per_turn) * 1000, 3),
            "model_ms_per_turn": round(self.model_total / turns * 1000, 3),
        }


def bare_variant() -> Variant:
    """create_react_agent over the echo tool."""
    from langgraph.prebuilt import create_react_agent

    script = OneCallScript("echo", {"text": "hello"})
    model = TimedScriptedModel(script=script)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its deprecation notice points to langchain.agents
        agent = create_react_agent(model, [echo], checkpointer=InMemorySaver())

    async def turn(n: int) -> None:
        config: Any = {"configurable": {"thread_id": f"bare-{n}"}}
        result = await agent.ainvoke({"messages": [HumanMessage("hi")]}, config)
        assert result["messages"][-1].content == "Done."

    return Variant("bare", script, turn)


async def run(ctx: BenchContext) -> Outcome:
    """All variants, interleaved, over an empty SQLite shop (the tools read no catalog)."""
    settings = await ctx.fixtures.sqlite_empty("agent")
    container = bootstrap(settings)
    limits = AgentLimits.from_settings(settings)
    turns = ctx.size(200, 20)
    per_round = max(turns // ROUNDS, 1)
    try:
        actor = (await add_buyers(container, 1, "agent"))[0].actor
        graph_script = OneCallScript("echo_shop", {"text": "hello"})
        graph_model = TimedScriptedModel(script=graph_script)
        graph = build_graph(InMemorySaver(), tools=[echo_shop])

        async def graph_turn(n: int) -> None:
            config: Any = {"configurable": {"thread_id": f"graph-{n}"}, "recursion_limit": 25}
            context = AgentContext(actor, container, graph_model, limits)
            graph_input: Any = turn_input("hi")
            result = await graph.ainvoke(graph_input, config, context=context)
            assert result["messages"][-1].content == "Done."

        variants = [bare_variant(), Variant("graph", graph_script, graph_turn)]
        async with open_checkpointer(settings) as saver:
            threads = await ThreadStore.open(agent_store_url(settings), container.clock)
            try:
                for name, tools, tool_name in (
                    ("chat_service", [echo_shop], "echo_shop"),
                    ("chat_service_view_cart", None, "view_cart"),
                ):
                    args = {"text": "hello"} if tool_name == "echo_shop" else {}
                    script = OneCallScript(tool_name, args)
                    service = ChatService(
                        container,
                        build_graph(saver, tools=tools),
                        threads,
                        model=TimedScriptedModel(script=script),
                    )
                    variants.append(Variant(name, script, _chat_turn(service, actor)))
                for variant in variants:
                    await variant.run(5, 10_000, record=False)
                for n in range(ROUNDS):
                    for variant in variants:
                        await variant.run(per_round, n * per_round)
            finally:
                await threads.aclose()
    finally:
        await container.aclose()
    return _outcome({v.name: v.figures() for v in variants})


def _chat_turn(service: ChatService, actor: Any) -> Turn:
    async def turn(n: int) -> None:
        run = await service.start_message(actor, "hi", None)
        response = await run.response()
        assert response.reply == "Done.", response.reply

    return turn


def _outcome(results: dict[str, dict[str, Any]]) -> Outcome:
    bare = results["bare"]["ms_per_turn_excluding_model"]
    graph = results["graph"]["ms_per_turn_excluding_model"]
    chat = results["chat_service"]["ms_per_turn_excluding_model"]
    figures: dict[str, Any] = {
        "variants": results,
        "bare_ms_per_turn": bare,
        "graph_ms_per_turn": graph,
        "graph_vs_bare_ratio": ratio(graph, bare),
        "chat_service_ms_per_turn": chat,
        "chat_service_vs_bare_ratio": ratio(chat, bare),
        "chat_service_view_cart_ms_per_turn": results["chat_service_view_cart"][
            "ms_per_turn_excluding_model"
        ],
    }
    headlines = [
        Headline(
            "agent time/turn excl. model: our graph vs bare create_react_agent",
            graph,
            bare,
            "graph_vs_bare_ratio",
            figures["graph_vs_bare_ratio"],
            goal=f"<= {GOAL}",
            met=figures["graph_vs_bare_ratio"] <= GOAL,
            unit="ms",
        ),
        Headline(
            "agent time/turn excl. model: full chat turn (ChatService) vs bare",
            chat,
            bare,
            "chat_service_vs_bare_ratio",
            figures["chat_service_vs_bare_ratio"],
            unit="ms",
        ),
    ]
    return Outcome(figures, headlines)
