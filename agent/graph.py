"""The shopping agent: a ReAct loop of the model and the shop's tools, as a LangGraph graph.

    START → agent ─(tool calls)→ act ─(more calls)→ act … ─→ agent … ─(no calls)→ END

``agent`` asks the model; ``act`` runs one pending tool call per step (so a COMMIT call can
pause the graph for confirmation without re-running the calls before it). In a planned turn
(``AgentLimits.planning``, see :mod:`agent.planning`) ``agent`` first has the model name the
changes the request asks for; the model's own first call follows (a change it picks over the
plan's replaces it), then the graph forces each step's tool until they are made, and then asks
for the reply without tools; a look-up the turn already answered is not run again (the model is
asked to reply instead).
The graph is compiled
once per process with :func:`build_graph`; the acting user, services, model and limits come with
each run as its context (:class:`agent.context.AgentContext`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_config
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.executor import error_message, handle_call, pending_calls
from agent.models import ModelUnavailable, unreachable
from agent.planning import (
    MAX_FORCED,
    NO_TOOLS,
    PLAN_TOOL,
    change_tools,
    declined,
    failed,
    forced,
    next_step,
    plan_of,
    without_filters,
)
from agent.prompts import SYSTEM_PROMPT, reply_text
from agent.repair import seen_text
from agent.state import AgentState
from agent.telemetry import tool_span
from agent.window import current_turn, fit_history
from tools.base import ShopTool, ToolKind, error_payload

log = logging.getLogger(__name__)

ContextResolver = Callable[[Any], Awaitable[AgentContext]]
# LangGraph types the context as a dataclass or TypedDict; ours is a plain class, hence Any.
AgentGraph = CompiledStateGraph[AgentState, Any, AgentState, AgentState]


async def require_context(context: Any) -> AgentContext:
    """The production resolver: a run without an AgentContext has no user and must not run."""
    if not isinstance(context, AgentContext):
        raise RuntimeError("the agent needs an AgentContext (acting user, services, model)")
    return context


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    tools: Iterable[ShopTool] | None = None,
    resolve_context: ContextResolver = require_context,
    context_schema: type[Any] = AgentContext,
    system_prompt: str = SYSTEM_PROMPT,
) -> AgentGraph:
    """Compile the agent graph over ``tools`` (default: every shop tool).

    ``resolve_context`` turns a run's context into an AgentContext; the default accepts only a
    ready AgentContext (LangGraph Studio passes JSON instead, see :mod:`agent.studio`).
    ``system_prompt`` sets the agent's role (the support desk of :mod:`agent.support` has its
    own).
    """
    if tools is None:
        from tools.registry import TOOLS

        tools = TOOLS
    by_name = {tool.name: tool for tool in tools}

    async def agent(state: AgentState, runtime: Runtime[Any]) -> dict[str, Any]:
        context = await resolve_context(runtime.context)
        return await _call_model(state, context, system_prompt, by_name)

    async def act(state: AgentState, runtime: Runtime[Any]) -> dict[str, Any]:
        context = await resolve_context(runtime.context)
        config = get_config()
        calls = pending_calls(state["messages"])
        try:
            with tool_span(calls[0]["name"]):
                message = await handle_call(calls[0], by_name, context, state, config)
        except GraphBubbleUp:
            raise
        except Exception:
            log.exception("tool %s failed unexpectedly", calls[0]["name"])
            return {"messages": _abandon(calls, state["messages"]), "plan": []}
        return {"messages": [message], **_advance_plan(state, message)}

    builder = StateGraph(AgentState, context_schema=context_schema)
    builder.add_node("agent", agent)
    builder.add_node("act", act)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", _after_agent, ["act", END])
    builder.add_conditional_edges("act", _after_act, ["act", "agent", END])
    return builder.compile(checkpointer=checkpointer, name="domtok-agent")


async def _call_model(
    state: AgentState,
    context: AgentContext,
    system_prompt: str,
    tools: Mapping[str, ShopTool],
) -> dict[str, Any]:
    messages = state["messages"]
    shopper_text = last_shopper_text(messages)
    prompt = [SystemMessage(system_prompt), *fit_history(messages, context.limits.history_chars)]
    update: dict[str, Any] = {}
    planning = context.limits.planning
    try:
        if planning and not state.get("plans_made"):
            update = await _make_plan(prompt, context, tools)
        response = None
        if planning and state.get("plan_done"):
            # Every planned change is made: the model reports, and makes no change unasked.
            report = [*prompt, SystemMessage(reply_text("done", shopper_text))]
            response = await context.model.ainvoke(report, **NO_TOOLS)
        elif planning and not _called_this_turn(state["messages"]):
            update, response = await _first_call(prompt, state, update, context, tools)
        elif planning:
            update, response = await _forced_step(prompt, state, update, context, tools)
        if response is None:
            response = await context.model.ainvoke(prompt)
        if planning and (
            _calls_plan_tool(response) or _only_repeats(response, state["messages"], tools)
        ):
            # Planning is over for this turn, and a look-up already answered needs no rerun:
            # the model answers from what it has.
            response = await context.model.ainvoke(prompt, **NO_TOOLS)
    except Exception as exc:
        if unreachable(exc):
            log.warning("the model endpoint is unreachable: %s", exc)
            raise ModelUnavailable(f"The chat model cannot be reached: {exc}") from exc
        log.exception("the model call failed")
        return {**update, "messages": [AIMessage(reply_text("apology", shopper_text))]}
    calls = len(response.tool_calls) + len(response.invalid_tool_calls)
    if not calls:
        return {**update, "plan": [], "messages": [response]}
    used = state.get("turn_tool_calls", 0)
    steps_left = state.get("remaining_steps", context.limits.recursion_limit)
    # Each call takes one `act` step and the model needs one more step to answer.
    if used + calls > context.limits.max_tool_calls or steps_left <= calls + 1:
        log.info("turn limit reached: %d tool calls used, %d steps left", used, steps_left)
        return {**update, "plan": [], "messages": [AIMessage(reply_text("limit", shopper_text))]}
    return {**update, "messages": [response], "turn_tool_calls": used + calls}


def _calls_plan_tool(response: AIMessage) -> bool:
    return any(call["name"] == PLAN_TOOL for call in response.tool_calls)


def _has_calls(response: AIMessage) -> bool:
    return bool(response.tool_calls or response.invalid_tool_calls)


async def _make_plan(
    prompt: Sequence[BaseMessage], context: AgentContext, tools: Mapping[str, ShopTool]
) -> dict[str, Any]:
    """Ask for the changes the turn must make (the planning tool forced)."""
    reply = await context.model.ainvoke(prompt, **forced(PLAN_TOOL))
    plan = plan_of(reply, change_tools(tools.values()))
    log.info("plan %s", plan)
    return {"plan": plan, "plans_made": 1}


def _current_plan(state: AgentState, update: Mapping[str, Any]) -> list[str]:
    """The plan as this step's update leaves it (a plan made in this step wins)."""
    return list(update.get("plan", state.get("plan")) or [])


async def _first_call(
    prompt: Sequence[BaseMessage],
    state: AgentState,
    update: dict[str, Any],
    context: AgentContext,
    tools: Mapping[str, ShopTool],
) -> tuple[dict[str, Any], AIMessage | None]:
    """The turn's first call is the model's own choice (a single request is what it does
    best). A change it picks that the plan did not name replaces the plan's first change (the
    plan is one guess of the same model, and the call was made knowing every tool); a text
    reply while changes are planned gives way to the plan's first step, forced."""
    response = await context.model.ainvoke(prompt)
    plan = _current_plan(state, update)
    if not plan or _calls_plan_tool(response):
        return update, response
    if not _has_calls(response):
        update, step = await _forced_step(prompt, state, update, context, tools)
        return update, step or response
    plannable = set(change_tools(tools.values()))
    picked = [call["name"] for call in response.tool_calls if call["name"] in plannable]
    if picked and picked[0] not in plan:
        log.info("the model's call %s replaces the plan's %s", picked[0], plan[0])
        return {**update, "plan": list(dict.fromkeys([picked[0], *plan[1:]]))}, response
    return update, response


async def _forced_step(
    prompt: Sequence[BaseMessage],
    state: AgentState,
    update: dict[str, Any],
    context: AgentContext,
    tools: Mapping[str, ShopTool],
) -> tuple[dict[str, Any], AIMessage | None]:
    """The call of the plan's next step (forced), while planned changes remain and the turn
    has forced steps left; None when the model is free to choose."""
    plan = _current_plan(state, update)
    made = state.get("forced_steps", 0)
    if not plan or made >= MAX_FORCED:
        return update, None
    step = next_step(plan, tools, seen_text(prompt), _called_this_turn(state["messages"]))
    if step is None:
        return update, None
    log.info("plan %s: forcing %s", plan, step)
    reply = await context.model.ainvoke(prompt, **forced(step))
    if not _has_calls(reply):
        return update, None
    if _only_repeats(reply, state["messages"], tools):
        # Asked again, the model repeats a look-up that gave nothing: retry it without the
        # filters it added (a made-up category or option often is why nothing matched).
        reply = without_filters(reply)
    return {**update, "forced_steps": made + 1}, reply


def _only_repeats(
    response: AIMessage, messages: Sequence[BaseMessage], tools: Mapping[str, ShopTool]
) -> bool:
    """Whether every call of ``response`` is a look-up this turn already made with the same
    arguments and no change since (its answer is in the conversation)."""
    if not response.tool_calls:
        return False
    answered = _lookups_since_last_change(current_turn(messages), tools)
    return all((call["name"], _key(call["args"])) in answered for call in response.tool_calls)


def _lookups_since_last_change(
    turn: Sequence[BaseMessage], tools: Mapping[str, ShopTool]
) -> set[tuple[str, str]]:
    calls = {
        call["id"]: call
        for message in turn
        if isinstance(message, AIMessage)
        for call in message.tool_calls
    }
    answered: set[tuple[str, str]] = set()
    for message in turn:
        if not isinstance(message, ToolMessage) or message.status == "error":
            continue
        call = calls.get(message.tool_call_id)
        tool = tools.get(message.name or "")
        if call is None or tool is None:
            continue
        if tool.kind is ToolKind.READ:
            answered.add((call["name"], _key(call["args"])))
        else:
            answered.clear()
    return answered


def _key(args: Mapping[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, default=str)


def _called_this_turn(messages: Sequence[BaseMessage]) -> list[str]:
    """The names of the tools whose results the current turn has seen."""
    turn = current_turn(messages)
    return [m.name for m in turn if isinstance(m, ToolMessage) and m.name]


def _advance_plan(state: AgentState, result: BaseMessage) -> dict[str, Any]:
    """The plan after a tool result: a made change leaves it; a declined confirmation, a
    failed planned change, or any failure once the graph has forced a step, ends it (the model
    explains)."""
    plan = list(state.get("plan") or [])
    if not plan:
        return {}
    if declined(result):
        return {"plan": []}
    if failed(result):
        ended = state.get("forced_steps", 0) or result.name in plan
        return {"plan": []} if ended else {}
    if result.name in plan:
        plan.remove(result.name)
        return {"plan": plan, "plan_done": not plan}
    return {}


def _abandon(calls: list[Any], messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Close every open call and end the turn with an apology (no internals leak)."""
    failure = error_payload("internal_error", "The action failed on the shop's side.")
    closed: list[BaseMessage] = [error_message(call, failure) for call in calls]
    return [*closed, AIMessage(reply_text("apology", last_shopper_text(messages)))]


def _after_agent(state: AgentState) -> str:
    return "act" if pending_calls(state["messages"]) else END


def _after_act(state: AgentState) -> str:
    if isinstance(state["messages"][-1], AIMessage):
        return END
    return "act" if pending_calls(state["messages"]) else "agent"


def last_shopper_text(messages: Iterable[BaseMessage]) -> str:
    """The text of the shopper's latest message ('' if none)."""
    for message in reversed(list(messages)):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def turn_input(text: str) -> Mapping[str, Any]:
    """The graph input for a new shopper message (it resets the turn's count and plan)."""
    return {
        "messages": [HumanMessage(text)],
        "turn_tool_calls": 0,
        "plan": [],
        "plans_made": 0,
        "forced_steps": 0,
        "plan_done": False,
    }
