"""Qwen2.5 chat template, rendered by our code instead of Jinja.

Mirrors the template shipped in the GGUF (system turn with a `# Tools` section listing each
tool as one JSON line inside <tools></tools>, `<tool_call>` blocks in assistant turns, tool
results as `<tool_response>` blocks in a user turn) with three deliberate differences:

* Text is never HTML-escaped.
* The prompt is a list of segments, each marked whether it may contain control tokens. Only
  template scaffolding is tokenized with special tokens enabled, so a shopper typing
  `<|im_end|>` cannot forge a turn.
* Each turn of tool results ends by restating the shopper's latest request (TOOL_REMINDER).

The system message and tool block come first and depend only on the request's system text and
tools, so an agent that resends the same ones gets a byte-identical prefix and llama.cpp reuses
its evaluated KV cache for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.llm.protocol import ChatMessage, ToolCall, ToolDef

DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
TOOLS_INTRO = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
TOOLS_OUTRO = (
    "\n</tools>\n\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)
GENERATION_PROMPT = f"{IM_START}assistant\n"
# Measured: after a bare <tool_response> this model ignored the result (and asked for another
# tool, or told the shopper which function to use); with the shopper's request restated after
# it, it answered from the result ("Yes, I have Trailblazer X. It costs $87.35."). Every tool
# turn gets the reminder, not only the last, so earlier turns render the same in later requests
# and the KV-cache prefix survives.
TOOL_REMINDER = "Use these results to respond to my request: {request}"


@dataclass(frozen=True)
class Segment:
    """A piece of prompt text; `special` allows control tokens such as <|im_start|>."""

    text: str
    special: bool


def _dumps(value: Any) -> str:
    # Same separators as the Jinja `tojson` Qwen was trained on, without ASCII escaping.
    return json.dumps(value, ensure_ascii=False)


def render_tool(tool: ToolDef) -> str:
    """One tool as the JSON line the Qwen template shows (name, description, parameters)."""
    function: dict[str, Any] = {"name": tool.function.name}
    if tool.function.description:
        function["description"] = tool.function.description
    function["parameters"] = tool.function.parameters or {"type": "object", "properties": {}}
    return _dumps({"type": "function", "function": function})


def render_tool_call(call: ToolCall) -> str:
    """An earlier call, in the exact shape the model itself emits."""
    try:
        arguments = _dumps(json.loads(call.function.arguments or "{}"))
    except json.JSONDecodeError:
        arguments = call.function.arguments
    return (
        f'\n<tool_call>\n{{"name": "{call.function.name}", "arguments": {arguments}}}\n</tool_call>'
    )


def _system_segments(system: str, tools: list[ToolDef]) -> list[Segment]:
    segments = [Segment(f"{IM_START}system\n", True), Segment(system, False)]
    if tools:
        body = "".join("\n" + render_tool(tool) for tool in tools)
        segments.append(Segment(TOOLS_INTRO + body + TOOLS_OUTRO, False))
    segments.append(Segment(f"{IM_END}\n", True))
    return segments


def _turn(role: str, text: str) -> list[Segment]:
    return [
        Segment(f"{IM_START}{role}\n", True),
        Segment(text, False),
        Segment(f"{IM_END}\n", True),
    ]


def _assistant_with_calls(message: ChatMessage) -> list[Segment]:
    segments = [Segment(f"{IM_START}assistant", True)]
    if message.text():
        segments.append(Segment("\n" + message.text(), False))
    calls = "".join(render_tool_call(call) for call in message.tool_calls or [])
    segments += [Segment(calls, False), Segment(f"{IM_END}\n", True)]
    return segments


def _tool_turn(rest: list[ChatMessage], index: int, request: str | None) -> list[Segment]:
    message = rest[index]
    segments = []
    if index == 0 or rest[index - 1].role != "tool":
        segments.append(Segment(f"{IM_START}user", True))
    segments.append(Segment(f"\n<tool_response>\n{message.text()}\n</tool_response>", False))
    if index == len(rest) - 1 or rest[index + 1].role != "tool":
        if request:
            segments.append(Segment("\n" + TOOL_REMINDER.format(request=request), False))
        segments.append(Segment(f"{IM_END}\n", True))
    return segments


def render_segments(
    messages: list[ChatMessage], tools: list[ToolDef] | None = None
) -> list[Segment]:
    """The full prompt for a conversation, ending with the assistant generation prompt."""
    tools = tools or []
    rest = list(messages)
    system = DEFAULT_SYSTEM
    if rest and rest[0].role in ("system", "developer"):
        system = rest.pop(0).text()
    segments = _system_segments(system, tools)
    request: str | None = None
    for index, message in enumerate(rest):
        if message.role == "tool":
            segments += _tool_turn(rest, index, request)
        elif message.role == "assistant" and message.tool_calls:
            segments += _assistant_with_calls(message)
        else:
            if message.role == "user":
                request = message.text()
            role = "system" if message.role == "developer" else message.role
            segments += _turn(role, message.text())
    segments.append(Segment(GENERATION_PROMPT, True))
    return segments


def prefix_segments(system: str | None, tools: list[ToolDef] | None) -> list[Segment]:
    """Just the system turn (with tools): what warm-up evaluates so later requests reuse it."""
    return _system_segments(system if system is not None else DEFAULT_SYSTEM, tools or [])


def render_text(segments: list[Segment]) -> str:
    """The prompt as one string (for tests, logs and token counting)."""
    return "".join(segment.text for segment in segments)
