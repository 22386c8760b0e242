"""Agent telemetry: model and tool calls are spans their work nests in; callbacks count
tokens and tool calls."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import RunnableLambda
from langgraph.errors import GraphInterrupt
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan

from agent.telemetry import AgentTelemetry, TracedModel, entry_span, tool_span, turn_span
from services.kernel.metrics import MODEL_TOKENS, TOOL_CALLS
from tests.tracing import ancestry, recorded_spans

__all__ = ["recorded_spans"]

_inner = trace.get_tracer("test")


def _value(metric: object, **labels: str) -> float:
    return float(metric.labels(**labels)._value.get())  # type: ignore[attr-defined]


def _named(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (span,) = [s for s in spans if s.name == name]
    return span


async def test_callbacks_count_tokens_and_tool_outcomes() -> None:
    handler = AgentTelemetry(provider="scripted")
    prompt = _value(MODEL_TOKENS, provider="scripted", kind="prompt")
    ok = _value(TOOL_CALLS, tool="search_products", outcome="ok")
    failed = _value(TOOL_CALLS, tool="place_order", outcome="error")

    message = AIMessage(
        "hi", usage_metadata={"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}
    )
    result = LLMResult(generations=[[ChatGeneration(message=message)]])
    await handler.on_llm_end(result, run_id=uuid4())
    tool_run, broken_run = uuid4(), uuid4()
    await handler.on_tool_start({"name": "search_products"}, "{}", run_id=tool_run)
    await handler.on_tool_end("[]", run_id=tool_run)
    await handler.on_tool_start({"name": "place_order"}, "{}", run_id=broken_run)
    await handler.on_tool_error(RuntimeError("boom"), run_id=broken_run)

    assert _value(MODEL_TOKENS, provider="scripted", kind="prompt") == prompt + 12
    assert _value(TOOL_CALLS, tool="search_products", outcome="ok") == ok + 1
    assert _value(TOOL_CALLS, tool="place_order", outcome="error") == failed + 1


async def test_a_model_call_is_the_current_span_of_its_work(
    recorded_spans: list[ReadableSpan],
) -> None:
    async def answer(_: Any) -> AIMessage:
        with _inner.start_as_current_span("http POST /v1/chat/completions"):
            usage = {"input_tokens": 40, "output_tokens": 5, "total_tokens": 45}
            return AIMessage("hello", usage_metadata=usage)  # type: ignore[arg-type]

    model = TracedModel(RunnableLambda(answer), "local")
    with turn_span("usr_1", "thr_1"):
        assert (await model.ainvoke("hi")).text == "hello"

    request = _named(recorded_spans, "http POST /v1/chat/completions")
    assert [s.name for s in ancestry(request, recorded_spans)] == [
        "agent.turn",
        "agent.model",
        "http POST /v1/chat/completions",
    ]
    call = _named(recorded_spans, "agent.model")
    assert call.attributes is not None
    assert call.attributes["gen_ai.usage.input_tokens"] == 40
    assert call.attributes["gen_ai.system"] == "local"
    turn = _named(recorded_spans, "agent.turn")
    assert turn.attributes is not None
    assert turn.attributes["enduser.id"] == "usr_1"
    assert turn.attributes["domtok.thread_id"] == "thr_1"


def test_a_tool_call_is_the_parent_of_its_work(recorded_spans: list[ReadableSpan]) -> None:
    with entry_span("chat.cli"), tool_span("view_cart"), _inner.start_as_current_span("work"):
        pass
    work = _named(recorded_spans, "work")
    assert [s.name for s in ancestry(work, recorded_spans)] == [
        "chat.cli",
        "agent.tool view_cart",
        "work",
    ]
    assert _named(recorded_spans, "chat.cli").parent is None


def test_a_tool_waiting_for_confirmation_is_not_a_failure_but_a_crash_is(
    recorded_spans: list[ReadableSpan],
) -> None:
    with pytest.raises(GraphInterrupt), tool_span("place_order"):
        raise GraphInterrupt(())
    with pytest.raises(RuntimeError), tool_span("pay_order"):
        raise RuntimeError("boom")
    paused = _named(recorded_spans, "agent.tool place_order")
    assert paused.status.is_unset
    assert paused.attributes is not None
    assert paused.attributes["domtok.tool.outcome"] == "confirmation_required"
    crashed = _named(recorded_spans, "agent.tool pay_order")
    assert not crashed.status.is_ok
    assert [event.name for event in crashed.events] == ["exception"]
