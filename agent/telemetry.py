"""Traces and metrics of agent turns: a LangChain callback handler for model and tool calls.

Pass ``AgentTelemetry(user_id, thread_id)`` in a run's ``callbacks``: each model call and each
tool call becomes a span (child of the current one, e.g. the HTTP request's) carrying the user
and the thread, model tokens feed ``domtok_model_tokens_total`` and tool calls
``domtok_tool_calls_total``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.outputs import LLMResult
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from services.kernel.metrics import AGENT_TURNS, MODEL_TOKENS, TOOL_CALLS

_tracer = trace.get_tracer(__name__)


def count_turn(outcome: str) -> None:
    """Count one agent turn (``ok``, ``limit``, ``refused`` or ``error``)."""
    AGENT_TURNS.labels(outcome=outcome).inc()


def _tokens(response: LLMResult) -> tuple[int, int]:
    """Prompt and completion tokens of a model response, from whichever field reports them."""
    usage = (response.llm_output or {}).get("token_usage") or {}
    if usage:
        return int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    prompt = completion = 0
    for generations in response.generations:
        for generation in generations:
            metadata = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
            prompt += int(metadata.get("input_tokens", 0))
            completion += int(metadata.get("output_tokens", 0))
    return prompt, completion


class AgentTelemetry(AsyncCallbackHandler):
    """Spans and counters for the model and tool calls of one run."""

    def __init__(self, user_id: str, thread_id: str, provider: str = "unknown") -> None:
        self._attributes = {"enduser.id": user_id, "domtok.thread_id": thread_id}
        self._provider = provider
        self._spans: dict[UUID, tuple[Span, str]] = {}

    def _start(self, run_id: UUID, name: str, label: str, **attributes: Any) -> None:
        span = _tracer.start_span(name, attributes={**self._attributes, **attributes})
        self._spans[run_id] = (span, label)

    def _end(self, run_id: UUID, error: BaseException | None = None) -> str | None:
        found = self._spans.pop(run_id, None)
        if found is None:
            return None
        span, label = found
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, str(error)))
        span.end()
        return label

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """A model call begins."""
        self._start(run_id, "agent.model", "model", **{"gen_ai.system": self._provider})

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """A model call ended: count its tokens."""
        prompt, completion = _tokens(response)
        found = self._spans.get(run_id)
        if found is not None:
            found[0].set_attribute("gen_ai.usage.input_tokens", prompt)
            found[0].set_attribute("gen_ai.usage.output_tokens", completion)
        MODEL_TOKENS.labels(provider=self._provider, kind="prompt").inc(prompt)
        MODEL_TOKENS.labels(provider=self._provider, kind="completion").inc(completion)
        self._end(run_id)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """A model call failed."""
        self._end(run_id, error)

    async def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """A tool call begins."""
        name = str((serialized or {}).get("name") or kwargs.get("name") or "tool")
        self._start(run_id, f"agent.tool {name}", name, **{"gen_ai.tool.name": name})

    async def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """A tool call returned (a tool's refusal is still a result the model sees)."""
        name = self._end(run_id)
        if name is not None:
            TOOL_CALLS.labels(tool=name, outcome="ok").inc()

    async def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """A tool call raised."""
        name = self._end(run_id, error)
        if name is not None:
            TOOL_CALLS.labels(tool=name, outcome="error").inc()
