"""Tool-call repair around a tool-bound model: normalise every call, retry a wrong one once.

:class:`CallRepair` wraps ``model.bind_tools(...)``. After each reply it normalises the
arguments of every shop-tool call (:func:`agent.arguments.normalise_args`, and
:func:`agent.variants.choose_variant` for the variant the shopper described) and checks them
(:func:`agent.arguments.check_call`). If a call is still wrong, the model is asked once more
with its reply and the problems appended as tool results, exactly as if the calls had failed;
those two messages are not kept in the conversation. The second reply is normalised too and
used whatever it is: the executor reports any remaining problem to the model as a tool error.

A text reply that spells out a tool's name ("call remove_from_cart with …") is the model
describing the call it meant to make: it is asked again with a tool call required (unless the
caller chose the tool choice itself, as planned turns do).

Both requests share the conversation's prefix, so the retry costs only the new tokens.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolCall,
    ToolMessage,
    convert_to_messages,
)
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig

from agent.arguments import check_call, normalise_args
from agent.variants import VARIANT_TOOLS, choose_variant, seen_variants
from tools.base import ShopTool, dumps, error_payload

log = logging.getLogger(__name__)
# Asked again after a reply that described a call: OpenAI's "a call, any tool".
_CALL_REQUIRED = {"tool_choice": "required"}


def _messages(value: LanguageModelInput) -> list[BaseMessage]:
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, str):
        return [HumanMessage(value)]
    return convert_to_messages(value)


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return json.dumps(message.content, ensure_ascii=False)


def shopper_text(messages: Sequence[BaseMessage]) -> str:
    """The shopper's latest message ('' if none)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return _text(message)
    return ""


def seen_text(messages: Sequence[BaseMessage]) -> str:
    """Everything the conversation has shown the model (where real ids come from)."""
    parts: list[str] = []
    for message in messages:
        parts.append(_text(message))
        if isinstance(message, AIMessage):
            parts += [json.dumps(call["args"], ensure_ascii=False) for call in message.tool_calls]
    return "\n".join(parts)


class CallRepair(Runnable[LanguageModelInput, AIMessage]):
    """A tool-bound model whose calls are normalised, and retried once when still wrong."""

    def __init__(
        self,
        model: Runnable[LanguageModelInput, AIMessage],
        tools: Mapping[str, ShopTool] | None = None,
    ) -> None:
        if tools is None:
            from tools.registry import TOOLS_BY_NAME

            tools = TOOLS_BY_NAME
        self.model = model
        self.tools = tools

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Synchronous form of :meth:`ainvoke`."""
        messages = _messages(input)
        first = self.model.invoke(messages, config, **kwargs)
        if "tool_choice" not in kwargs and self.describes_a_call(first):
            first = self.model.invoke(messages, config, **{**kwargs, **_CALL_REQUIRED})
        reply, problems = self.fix(first, messages)
        if not problems:
            return reply
        retry = [*messages, *feedback(reply, problems)]
        return self.fix(self.model.invoke(retry, config, **kwargs), messages)[0]

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Ask the model; normalise its calls; if one is still wrong, ask once more."""
        messages = _messages(input)
        first = await self.model.ainvoke(messages, config, **kwargs)
        if "tool_choice" not in kwargs and self.describes_a_call(first):
            log.info("the reply describes a tool call instead of making it; asking for the call")
            first = await self.model.ainvoke(messages, config, **{**kwargs, **_CALL_REQUIRED})
        reply, problems = self.fix(first, messages)
        if not problems:
            return reply
        log.info("repairing tool calls: %s", problems)
        retry = [*messages, *feedback(reply, problems)]
        second = await self.model.ainvoke(retry, config, **kwargs)
        return self.fix(second, messages)[0]

    def describes_a_call(self, reply: AIMessage) -> bool:
        """Whether a text reply names one of the tools ("call remove_from_cart with …").

        The shopper never needs a tool's name; a reply that spells one out is the model
        describing the call it should have made, so it is asked again with a call required.
        """
        if reply.tool_calls or not isinstance(reply.content, str):
            return False
        return any(re.search(rf"\b{re.escape(name)}\b", reply.content) for name in self.tools)

    def fix(
        self, reply: AIMessage, messages: Sequence[BaseMessage]
    ) -> tuple[AIMessage, dict[str, list[str]]]:
        """The reply with normalised calls, and the problems left per call id."""
        if not reply.tool_calls:
            return reply, {}
        text, seen = shopper_text(messages), seen_text(messages)
        calls: list[ToolCall] = []
        problems: dict[str, list[str]] = {}
        for call in reply.tool_calls:
            tool = self.tools.get(call["name"])
            if tool is None:
                calls.append(call)
                continue
            normalised = normalise_args(tool, call["args"], text)
            chosen = normalised.args.get("variant_id")
            if call["name"] in VARIANT_TOOLS and isinstance(chosen, str):
                meant = choose_variant(chosen, text, seen_variants(messages))
                if meant is not None:
                    normalised.args["variant_id"] = meant
                    normalised.changes.append(f"variant {chosen} -> {meant} (as described)")
            if normalised.changes:
                log.info("normalised %s: %s", call["name"], "; ".join(normalised.changes))
            calls.append({**call, "args": normalised.args})
            found = check_call(tool, normalised.args, seen)
            if found:
                problems[call["id"] or ""] = found
        return reply.model_copy(update={"tool_calls": calls}), problems


def feedback(reply: AIMessage, problems: Mapping[str, list[str]]) -> list[BaseMessage]:
    """The reply and one tool result per call: the problems, or that it was not run."""
    results: list[BaseMessage] = [reply]
    for call in reply.tool_calls:
        found = problems.get(call["id"] or "")
        message = (
            "; ".join(found) + ". Call the tool again with corrected arguments."
            if found
            else "Not run because another call of the same reply was wrong."
        )
        code = "invalid_arguments" if found else "not_run"
        results.append(
            ToolMessage(
                content=dumps(error_payload(code, message)),
                name=call["name"],
                tool_call_id=call["id"] or "",
                status="error",
            )
        )
    return results
