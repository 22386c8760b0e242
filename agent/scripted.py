"""A deterministic chat model that replays a script of tool calls and replies.

Tests and demos use it instead of a language model: the same graph, tools, confirmation and
streaming run, only the decisions come from a script. A script is anything with
``respond(messages) -> AIMessage``: a :class:`ReplayScript` (steps in order, from code or a JSON
file) or the rule-based demo script in :mod:`agent.demo_script`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCallChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict

Step = dict[str, Any] | AIMessage | Callable[[Sequence[BaseMessage]], "dict[str, Any] | AIMessage"]


class Script(Protocol):
    """Decides the next assistant message from the conversation so far."""

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage: ...


def assistant_turns(messages: Sequence[BaseMessage]) -> int:
    """How many assistant messages the conversation holds (the position in a replayed script)."""
    return sum(isinstance(message, AIMessage) for message in messages)


def make_message(step: dict[str, Any], position: int) -> AIMessage:
    """An assistant message from ``{"say": text, "call": [{"name", "args"}]}``.

    Call ids are derived from the position so they are unique within a thread and identical
    when a restarted process replays the same step.
    """
    calls = [
        {"name": call["name"], "args": dict(call.get("args", {})), "id": f"call_{position}_{n}"}
        for n, call in enumerate(step.get("call", []))
    ]
    return AIMessage(content=str(step.get("say", "")), tool_calls=calls)


class ReplayScript:
    """Steps replayed in order; the step is chosen by counting assistant messages, so a thread
    resumed in a new process (or after a confirmation) continues at the right step."""

    def __init__(self, steps: Sequence[Step], *, finished: str = "(end of script)") -> None:
        self.steps = list(steps)
        self.finished = finished

    @classmethod
    def from_file(cls, path: Path) -> ReplayScript:
        """Read a JSON list of steps.

        For example ``[{"call": [{"name": "view_cart", "args": {}}]}, {"say": "Here it is."}]``.
        """
        steps = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
            raise ValueError(f"{path}: a script is a JSON list of step objects")
        return cls(steps)

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The step at this point of the conversation."""
        position = assistant_turns(messages)
        if position >= len(self.steps):
            return AIMessage(content=self.finished)
        step = self.steps[position]
        if callable(step):
            step = step(messages)
        if isinstance(step, AIMessage):
            return step
        return make_message(step, position)


class ScriptedChatModel(BaseChatModel):
    """A chat model whose answers come from a :class:`Script`; streams its text word by word."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: Any
    """The :class:`Script` that decides each reply."""

    @property
    def _llm_type(self) -> str:
        return "domtok-scripted"

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Tools are chosen by the script, so binding them changes nothing."""
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        reply: AIMessage = self.script.respond(messages)
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in _chunks(self._reply(messages)):
            if run_manager is not None and chunk.text:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in _chunks(self._reply(messages)):
            if run_manager is not None and chunk.text:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _chunks(message: AIMessage) -> list[ChatGenerationChunk]:
    text = message.content if isinstance(message.content, str) else ""
    pieces = re.findall(r"\S+\s*|\s+", text) or [""]
    chunks = [ChatGenerationChunk(message=AIMessageChunk(content=piece)) for piece in pieces]
    # Malformed calls travel as their raw argument text, as a streaming API would send them.
    raw: list[tuple[str | None, str | None, str | None]] = [
        (c["name"], json.dumps(c["args"]), c["id"]) for c in message.tool_calls
    ]
    raw += [(c["name"], c["args"], c["id"]) for c in message.invalid_tool_calls]
    if raw:
        calls = [
            ToolCallChunk(name=name, args=args, id=call_id, index=n)
            for n, (name, args, call_id) in enumerate(raw)
        ]
        chunks.append(
            ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=calls))
        )
    return chunks
