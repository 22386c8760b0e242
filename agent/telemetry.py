"""Traces and metrics of agent turns.

Spans (each the current span while its work runs, so what it does nests inside it):
``agent.turn`` around a whole run (:func:`turn_span`), ``agent.model`` around each model call
(:class:`TracedModel`), ``agent.tool <name>`` around each tool call (:func:`tool_span`), whose
service calls and SQL are its children. Counters come from :class:`AgentTelemetry`, a LangChain
callback handler passed in a run's ``callbacks``: model tokens feed
``domtok_model_tokens_total`` and tool calls ``domtok_tool_calls_total``.

Spans are not started from the callbacks: LangChain runs async handlers in tasks of their own,
so a span started there never becomes the tool's current span, and the tool's work would be its
sibling rather than its child.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.errors import GraphBubbleUp
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


@contextmanager
def turn_span(user_id: str, thread_id: str) -> Iterator[Span]:
    """The span of one agent run: its parent is the entry point's (HTTP request, CLI turn)."""
    attributes = {"enduser.id": user_id, "domtok.thread_id": thread_id}
    with _tracer.start_as_current_span("agent.turn", attributes=attributes) as span:
        yield span


@contextmanager
def entry_span(name: str, **attributes: Any) -> Iterator[Span]:
    """The span of a chat turn's entry point where no HTTP request span is (``chat.cli``) or
    where one spans many turns (a WebSocket connection); ``agent.turn`` is its child."""
    with _tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span


@contextmanager
def tool_span(name: str) -> Iterator[Span]:
    """The span of one tool call; pausing for the shopper's confirmation is not a failure."""
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name}
    with _tracer.start_as_current_span(
        f"agent.tool {name}",
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except GraphBubbleUp:
            span.set_attribute("domtok.tool.outcome", "confirmation_required")
            raise
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


class TracedModel(Runnable[LanguageModelInput, AIMessage]):
    """A tool-bound model whose every call is an ``agent.model`` span with its token counts."""

    def __init__(self, model: Runnable[LanguageModelInput, AIMessage], provider: str) -> None:
        self.model = model
        self.provider = provider

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Synchronous form of :meth:`ainvoke`."""
        with self._span() as span:
            return _with_usage(span, self.model.invoke(input, config, **kwargs))

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Call the model inside its span."""
        with self._span() as span:
            return _with_usage(span, await self.model.ainvoke(input, config, **kwargs))

    def _span(self) -> Any:
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.system": self.provider}
        return _tracer.start_as_current_span("agent.model", attributes=attributes)


def _with_usage(span: Span, response: AIMessage) -> AIMessage:
    usage = response.usage_metadata
    if usage is not None:
        span.set_attribute("gen_ai.usage.input_tokens", usage["input_tokens"])
        span.set_attribute("gen_ai.usage.output_tokens", usage["output_tokens"])
    return response


class AgentTelemetry(AsyncCallbackHandler):
    """Counters for the model and tool calls of one run."""

    def __init__(self, provider: str = "unknown") -> None:
        self._provider = provider
        self._tools: dict[UUID, str] = {}

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """A model call ended: count its tokens."""
        prompt, completion = _tokens(response)
        MODEL_TOKENS.labels(provider=self._provider, kind="prompt").inc(prompt)
        MODEL_TOKENS.labels(provider=self._provider, kind="completion").inc(completion)

    async def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """A tool call begins."""
        self._tools[run_id] = str((serialized or {}).get("name") or kwargs.get("name") or "tool")

    async def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """A tool call returned (a tool's refusal is still a result the model sees)."""
        name = self._tools.pop(run_id, None)
        if name is not None:
            TOOL_CALLS.labels(tool=name, outcome="ok").inc()

    async def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """A tool call raised."""
        name = self._tools.pop(run_id, None)
        if name is not None:
            TOOL_CALLS.labels(tool=name, outcome="error").inc()
