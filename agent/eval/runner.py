"""Running a case through the real agent graph and recording what the agent did.

Each case gets a fresh shop (:mod:`agent.eval.shop`), its earlier turns are replayed with a
scripted model, then the shopper's text goes to the model under test. Confirmations are
answered as the case says (approve by default), so COMMIT calls really run. The calls of the
scored turn, the final reply, the model-call timings and the end state are recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from agent.confirmation import resume_value
from agent.context import AgentContext, AgentLimits, ToolModel
from agent.eval.cases import CaseKind, EvalCase, PriorTurn
from agent.eval.matching import UnresolvedRef
from agent.eval.scoring import CaseResult, RecordedCall, match_in_order, score_calls
from agent.eval.shop import CaseShop, SetupError, Template, case_shop
from agent.eval.state import check_state
from agent.graph import AgentGraph, build_graph, turn_input
from agent.scripted import ScriptedChatModel
from tools.base import parse_result
from tools.registry import TOOLS

MAX_CONFIRMATIONS = 10
ModelFor = Callable[[EvalCase, CaseShop], ToolModel]
STOPPED_REPLY = "(evaluation: the turn ends after the scored reply)"


class FirstReplyOnly(Runnable[LanguageModelInput, AIMessage]):
    """The model for the turn's first reply; a fixed text for any later step.

    Single-step and no-tool cases are scored on the first reply alone, so with a slow model
    the harness can skip the follow-up replies that read tool results (the calls still run).
    """

    def __init__(self, model: ToolModel) -> None:
        self.model = model
        self.replies = 0

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Synchronous form of :meth:`ainvoke`."""
        self.replies += 1
        if self.replies > 1:
            return AIMessage(STOPPED_REPLY)
        return self.model.invoke(input, config, **kwargs)

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """The model's first reply, then the fixed text."""
        self.replies += 1
        if self.replies > 1:
            return AIMessage(STOPPED_REPLY)
        return await self.model.ainvoke(input, config, **kwargs)


class ModelTimer(AsyncCallbackHandler):
    """Wall time and raw reply of every chat-model call of a run.

    The raw replies are the model's own output, before :mod:`agent.repair` normalised them: the
    harness scores them too, to measure what normalisation and repair add.
    """

    def __init__(self) -> None:
        self.started: dict[UUID, float] = {}
        self.seconds: list[float] = []
        self.replies: list[AIMessage] = []

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Start the clock."""
        self.started[run_id] = time.perf_counter()

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Stop the clock."""
        started = self.started.pop(run_id, None)
        if started is not None:
            self.seconds.append(time.perf_counter() - started)
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                if isinstance(message, AIMessage):
                    self.replies.append(message)


class PriorScript:
    """Replays an earlier turn: its calls after the shopper's message, then its reply."""

    def __init__(self, turn: PriorTurn, shop: CaseShop, number: int) -> None:
        self.calls = [
            {
                "name": call["name"],
                "args": _fill_args(call.get("args", {}), shop),
                "id": f"prior{number}_{index}",
            }
            for index, call in enumerate(turn.calls)
        ]
        self.reply = turn.reply

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """Calls first (once), the reply after their results."""
        if isinstance(messages[-1], HumanMessage) and self.calls:
            return AIMessage(content="", tool_calls=self.calls)
        return AIMessage(content=self.reply)


def _fill_args(args: Any, shop: CaseShop) -> Any:
    if isinstance(args, str):
        return shop.fill(args)
    if isinstance(args, dict):
        return {key: _fill_args(value, shop) for key, value in args.items()}
    if isinstance(args, list):
        return [_fill_args(value, shop) for value in args]
    return args


class CaseRunner:
    """Runs cases against copies of one template shop with one way of getting the model."""

    def __init__(
        self,
        template: Template,
        workdir: Path,
        model_for: ModelFor,
        limits: AgentLimits | None = None,
        *,
        first_reply_only: bool = False,
    ) -> None:
        self.template = template
        self.workdir = workdir
        self.model_for = model_for
        self.limits = limits or AgentLimits()
        self.first_reply_only = first_reply_only
        self.graph: AgentGraph = build_graph(InMemorySaver())

    async def run(self, case: EvalCase) -> CaseResult:
        """Run one case; setup problems and model failures are recorded, not raised."""
        result = CaseResult(
            case.id, case.family, case.lang, case.kind.value, passed=False, steps=case.steps
        )
        try:
            async with case_shop(self.template, case, self.workdir) as shop:
                await self._run_in(shop, case, result)
        except (SetupError, UnresolvedRef) as exc:
            result.error = f"case setup: {exc}"
        except Exception as exc:  # a model or server failure must not end the whole run
            result.error = f"{type(exc).__name__}: {exc}"
        result.passed = result.error is None and not result.problems
        return result

    async def _run_in(self, shop: CaseShop, case: EvalCase, result: CaseResult) -> None:
        config: RunnableConfig = {
            # A thread per run: the checkpointer outlives cases, and a case may run twice.
            "configurable": {"thread_id": f"{case.id}-{uuid4().hex[:8]}"},
            "recursion_limit": self.limits.recursion_limit,
        }
        for number, turn in enumerate(case.prior):
            prior = ScriptedChatModel(script=PriorScript(turn, shop, number))
            await self._turn(
                shop, prior.bind_tools(TOOLS), shop.fill(turn.user), config, True, scripted=True
            )
        text = shop.fill(case.text)
        timer = ModelTimer()
        model = self.model_for(case, shop)
        # A planned turn's first reply is its plan: such turns always run to the end.
        if self.first_reply_only and not self.limits.planning and case.kind is not CaseKind.MULTI:
            model = FirstReplyOnly(model)
        started = time.perf_counter()
        try:
            messages = await self._turn(
                shop, model, text, {**config, "callbacks": [timer]}, case.confirm == "approve"
            )
        except GraphRecursionError:
            messages = await self._messages(config)
            result.problems.append("the turn hit the step limit")
        result.seconds = round(time.perf_counter() - started, 3)
        result.model_seconds = [round(s, 3) for s in timer.seconds]
        result.calls, result.reply = scored_turn(messages)
        await self._score(shop, case, result, timer)

    async def _score(
        self, shop: CaseShop, case: EvalCase, result: CaseResult, timer: ModelTimer
    ) -> None:
        result.problems += score_calls(case, result.calls, shop.refs)
        if timer.replies:
            first = timer.replies[0]
            result.raw_first_calls = [
                RecordedCall(c["name"], dict(c["args"])) for c in first.tool_calls
            ]
            if case.kind is not CaseKind.MULTI:
                result.raw_passed = not score_calls(case, result.raw_first_calls, shop.refs)
        if case.expect.state:
            result.problems += await check_state(shop, case.expect.state)
        if case.kind is CaseKind.MULTI:
            # The rule before end-state scoring: every expected call in order, reads included.
            in_order = match_in_order(case.expect.calls, result.calls, shop.refs)
            result.all_calls_passed = not in_order and not result.problems

    async def _turn(
        self,
        shop: CaseShop,
        model: ToolModel,
        text: str,
        config: RunnableConfig,
        approve: bool,
        *,
        scripted: bool = False,
    ) -> list[BaseMessage]:
        # Earlier turns replay their recorded calls: they are never planned.
        limits = replace(self.limits, planning=False) if scripted else self.limits
        context = AgentContext(shop.shopper, shop.container, model, limits)
        graph_input: Any = turn_input(text)
        for _ in range(MAX_CONFIRMATIONS):
            await self.graph.ainvoke(graph_input, config, context=context)
            state = await self.graph.aget_state(config)
            if not state.interrupts:
                break
            pending = state.interrupts[0].value
            graph_input = Command(resume=resume_value(str(pending.get("id")), approve))
        return await self._messages(config)

    async def _messages(self, config: RunnableConfig) -> list[BaseMessage]:
        state = await self.graph.aget_state(config)
        values = state.values if isinstance(state.values, dict) else {}
        return list(values.get("messages", []))


def scored_turn(messages: Sequence[BaseMessage]) -> tuple[list[RecordedCall], str]:
    """The calls (with their outcome) and the final reply after the last shopper message."""
    start = max(
        (i for i, message in enumerate(messages) if isinstance(message, HumanMessage)), default=-1
    )
    turn = list(messages[start + 1 :])
    errors: dict[str, str | None] = {}
    for message in turn:
        if isinstance(message, ToolMessage):
            _, error = parse_result(message.content, message.artifact)
            errors[message.tool_call_id] = None if error is None else str(error.get("code"))
    calls: list[RecordedCall] = []
    reply = ""
    for message in turn:
        if not isinstance(message, AIMessage):
            continue
        for call in message.tool_calls:
            calls.append(
                RecordedCall(call["name"], dict(call["args"]), errors.get(call["id"] or ""))
            )
        for bad in message.invalid_tool_calls:
            calls.append(RecordedCall(str(bad.get("name") or ""), {}, "malformed"))
        if message.text:
            reply = message.text
    return calls, reply
