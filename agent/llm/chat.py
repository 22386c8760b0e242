"""Chat completions over the engine: request → prompt + grammar → generation → OpenAI bodies.

`prepare` validates and tokenizes (safe to run outside the generation lock); `complete` and
`stream` generate and must be called by one thread at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agent.llm.constraint import ReplyShape
from agent.llm.engine import Engine, GenerationResult, SamplingParams
from agent.llm.grammar import build_grammar
from agent.llm.parsing import ParsedCall, ReplyParser, parse_reply
from agent.llm.prompt import render_segments
from agent.llm.protocol import (
    ChatCompletionRequest,
    InvalidRequest,
    ToolDef,
    forced_tool,
    new_completion_id,
    now,
    validate_request,
)

Chunk = dict[str, Any]


@dataclass(frozen=True)
class PreparedChat:
    """A validated request ready to generate."""

    request: ChatCompletionRequest
    tokens: list[int]
    shape: ReplyShape | None
    params: SamplingParams

    @property
    def calls_allowed(self) -> bool:
        """Whether the reply may contain tool calls."""
        return self.shape is not None and self.shape.mode != "text"


def tool_mode(request: ChatCompletionRequest) -> str:
    """ "auto", "required" or "none" (a named choice counts as "required")."""
    choice = request.tool_choice
    if choice in (None, "auto"):
        return "auto"
    if choice == "none":
        return "none"
    return "required"


@lru_cache(maxsize=32)
def _cached_grammar(tools_json: str, forced: str | None, parallel: bool) -> str:
    tools = [ToolDef.model_validate(t) for t in json.loads(tools_json)]
    return build_grammar(tools, forced=forced, parallel=parallel)


def shape_for(request: ChatCompletionRequest) -> ReplyShape | None:
    """How the reply may look; None (free text) when no tools are offered.

    The tool block stays in the prompt even for tool_choice "none" so the cached prefix stays
    valid; the shape then only keeps the reply from opening a call.
    """
    if not request.tools:
        return None
    mode = tool_mode(request)
    if mode == "none":
        return ReplyShape("text")
    tools_json = json.dumps([t.model_dump(exclude_none=True) for t in request.tools])
    parallel = request.parallel_tool_calls is not False
    grammar = _cached_grammar(tools_json, forced_tool(request), parallel)
    return ReplyShape("auto" if mode == "auto" else "calls", grammar)


def sampling_for(request: ChatCompletionRequest) -> SamplingParams:
    """Sampling settings; temperature defaults to 0 (greedy) because a 1.5B model's tool calls
    degrade with sampling noise."""
    return SamplingParams(
        temperature=request.temperature or 0.0,
        top_p=request.top_p or 1.0,
        max_tokens=request.token_limit(),
        stops=tuple(request.stop_list()),
        seed=request.seed,
        presence_penalty=request.presence_penalty or 0.0,
        frequency_penalty=request.frequency_penalty or 0.0,
    )


def _usage(result: GenerationResult) -> dict[str, Any]:
    return {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": result.cached_tokens},
    }


def _finish_reason(result: GenerationResult, calls: list[ParsedCall]) -> str:
    if calls:
        return "tool_calls"
    return "length" if result.finish_reason == "length" else "stop"


class ChatService:
    """Runs chat completions on one engine."""

    def __init__(self, engine: Engine, model_id: str) -> None:
        self.engine = engine
        self.model_id = model_id

    def prepare(self, request: ChatCompletionRequest) -> PreparedChat:
        """Validate, render and tokenize; raises InvalidRequest."""
        validate_request(request)
        tokens = self.engine.tokenize(render_segments(request.messages, request.tools))
        if len(tokens) >= self.engine.n_ctx:
            raise InvalidRequest(
                f"the prompt has {len(tokens)} tokens; this model's context is {self.engine.n_ctx}",
                param="messages",
                code="context_length_exceeded",
            )
        return PreparedChat(
            request=request,
            tokens=tokens,
            shape=shape_for(request),
            params=sampling_for(request),
        )

    def complete(self, chat: PreparedChat) -> dict[str, Any]:
        """Generate the whole reply; returns a chat.completion body."""
        result = self.engine.generate(chat.tokens, chat.params, chat.shape)
        content, calls = parse_reply(result.text, chat.calls_allowed)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = [call.to_openai() for call in calls]
        return {
            "id": new_completion_id(),
            "object": "chat.completion",
            "created": now(),
            "model": self.model_id,
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": _finish_reason(result, calls),
                }
            ],
            "usage": _usage(result),
        }

    def stream(
        self, chat: PreparedChat, emit: Callable[[Chunk], None], cancel: threading.Event
    ) -> None:
        """Generate, emitting chat.completion.chunk bodies as text and calls become final."""
        completion_id, created = new_completion_id(), now()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> Chunk:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model_id,
                "system_fingerprint": None,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }

        parser = ReplyParser(chat.calls_allowed)
        sent_calls = 0

        def send(text: str, calls: list[ParsedCall]) -> None:
            nonlocal sent_calls
            if text:
                emit(chunk({"content": text}))
            for call in calls:
                emit(chunk({"tool_calls": [{"index": sent_calls, **call.to_openai()}]}))
                sent_calls += 1

        emit(chunk({"role": "assistant", "content": ""}))
        result = self.engine.generate(
            chat.tokens, chat.params, chat.shape, lambda d: send(*parser.feed(d)), cancel
        )
        send(*parser.finish())
        emit(chunk({}, _finish_reason(result, parser.calls)))
        options = chat.request.stream_options
        if options is not None and options.include_usage:
            emit({**chunk({}), "choices": [], "usage": _usage(result)})
