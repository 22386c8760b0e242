"""Agent callbacks: model tokens and tool calls are counted, each call is a span with the user
and the thread."""

from __future__ import annotations

from uuid import uuid4

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import agent.telemetry as telemetry
from agent.telemetry import AgentTelemetry
from services.kernel.metrics import MODEL_TOKENS, TOOL_CALLS


def _value(metric: object, **labels: str) -> float:
    return float(metric.labels(**labels)._value.get())  # type: ignore[attr-defined]


async def test_model_and_tool_calls_become_spans_and_counters(monkeypatch: object) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(telemetry, "_tracer", provider.get_tracer("test"))  # type: ignore[attr-defined]
    handler = AgentTelemetry("usr_1", "thr_1", provider="scripted")
    prompt = _value(MODEL_TOKENS, provider="scripted", kind="prompt")
    ok = _value(TOOL_CALLS, tool="search_products", outcome="ok")
    failed = _value(TOOL_CALLS, tool="place_order", outcome="error")

    model_run, tool_run, broken_run = uuid4(), uuid4(), uuid4()
    await handler.on_chat_model_start({}, [[]], run_id=model_run)
    message = AIMessage(
        "hi", usage_metadata={"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}
    )
    await handler.on_llm_end(
        LLMResult(generations=[[ChatGeneration(message=message)]]), run_id=model_run
    )
    await handler.on_tool_start({"name": "search_products"}, "{}", run_id=tool_run)
    await handler.on_tool_end("[]", run_id=tool_run)
    await handler.on_tool_start({"name": "place_order"}, "{}", run_id=broken_run)
    await handler.on_tool_error(RuntimeError("boom"), run_id=broken_run)

    assert _value(MODEL_TOKENS, provider="scripted", kind="prompt") == prompt + 12
    assert _value(TOOL_CALLS, tool="search_products", outcome="ok") == ok + 1
    assert _value(TOOL_CALLS, tool="place_order", outcome="error") == failed + 1
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {"agent.model", "agent.tool search_products", "agent.tool place_order"}
    assert spans["agent.model"].attributes["gen_ai.usage.input_tokens"] == 12  # type: ignore[index]
    assert spans["agent.tool search_products"].attributes["domtok.thread_id"] == "thr_1"  # type: ignore[index]
    assert spans["agent.tool place_order"].attributes["enduser.id"] == "usr_1"  # type: ignore[index]
    assert not spans["agent.tool place_order"].status.is_ok
