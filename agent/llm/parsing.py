"""Turn generated text into OpenAI content and tool calls, incrementally for streaming.

Under the tool grammar a reply is either prose (which cannot start with `<` or `{`), one or
more `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` blocks, or one bare
`{"name": ..., "arguments": {...}}` object. The first visible character decides the mode;
tagged calls are emitted as each closing tag arrives, a bare one when generation ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from agent.llm.protocol import new_call_id

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"


@dataclass(frozen=True)
class ParsedCall:
    """One parsed tool call with a fresh id; `arguments` is a JSON object string."""

    id: str
    name: str
    arguments: str

    def to_openai(self) -> dict[str, object]:
        """The call as an OpenAI `tool_calls` entry."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


def parse_call(block: str) -> ParsedCall | None:
    """Parse the JSON between one pair of tags; None when it is not a well-formed call."""
    try:
        payload = json.loads(block, strict=False)
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        return None
    arguments = payload.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return None
    if not isinstance(arguments, dict):
        return None
    return ParsedCall(new_call_id(), payload["name"], json.dumps(arguments, ensure_ascii=False))


@dataclass
class ReplyParser:
    """Feed text deltas; collect content deltas and completed calls as they become certain."""

    calls_allowed: bool
    mode: str = "undecided"  # undecided | text | calls
    _buffer: str = ""
    calls: list[ParsedCall] = field(default_factory=list)
    content: str = ""

    def feed(self, delta: str) -> tuple[str, list[ParsedCall]]:
        """Consume a delta; return (new content text, newly completed calls)."""
        if self.mode == "undecided":
            self._buffer += delta
            stripped = self._buffer.lstrip()
            if not stripped:
                return "", []
            self.mode = "calls" if self.calls_allowed and stripped[0] in "<{" else "text"
            delta, self._buffer = self._buffer, ""
        if self.mode == "text":
            self.content += delta
            return delta, []
        self._buffer += delta
        return "", self._drain_calls()

    def _drain_calls(self) -> list[ParsedCall]:
        new: list[ParsedCall] = []
        while (end := self._buffer.find(CLOSE_TAG)) != -1:
            block, self._buffer = self._buffer[:end], self._buffer[end + len(CLOSE_TAG) :]
            start = block.find(OPEN_TAG)
            call = parse_call(block[start + len(OPEN_TAG) :] if start != -1 else block)
            if call is not None:
                new.append(call)
        self.calls += new
        return new

    def finish(self) -> tuple[str, list[ParsedCall]]:
        """End of generation: (leftover text that formed no call, a final bare call if any)."""
        leftover, self._buffer = self._buffer, ""
        if self.mode == "calls" and not self.calls and leftover.lstrip().startswith("{"):
            call = parse_call(leftover)
            if call is not None:
                self.calls.append(call)
                return "", [call]
        if self.mode == "undecided" or (leftover.strip() and not self.calls):
            self.content += leftover
            return leftover, []
        return "", []


def parse_reply(text: str, calls_allowed: bool) -> tuple[str | None, list[ParsedCall]]:
    """Whole-reply parse: (content or None, calls)."""
    parser = ReplyParser(calls_allowed)
    parser.feed(text)
    parser.finish()
    if parser.calls:
        return None, parser.calls
    return parser.content, []
