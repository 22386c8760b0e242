"""OpenAI chat-completions wire types: the subset DomTok's clients (langchain-openai) send.

Unknown fields are ignored rather than rejected so newer clients keep working; fields that
would silently change semantics (n > 1, unknown tool_choice targets) are refused by
`validate_request`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# /health names the server so the launcher never mistakes another service for ours.
SERVER_NAME = "domtok-llm"


class InvalidRequest(ValueError):
    """A request the server will not run; maps to HTTP 400 in OpenAI's error shape."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code

    def to_body(self) -> dict[str, Any]:
        """The OpenAI error envelope."""
        return {
            "error": {
                "message": self.message,
                "type": "invalid_request_error",
                "param": self.param,
                "code": self.code,
            }
        }


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FunctionCall(_Loose):
    """A call's function part; `arguments` is a JSON-encoded object, as OpenAI sends it."""

    name: str
    arguments: str = "{}"


class ToolCall(_Loose):
    """One tool call of an assistant message."""

    id: str = ""
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(_Loose):
    """A message of any role; content may be null, a string or a list of text parts."""

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        """The textual content; list parts of type text are joined, other parts dropped."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class FunctionDef(_Loose):
    """A tool's function signature."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolDef(_Loose):
    """A tool offered to the model."""

    type: Literal["function"] = "function"
    function: FunctionDef


class NamedToolChoice(_Loose):
    """tool_choice naming one function."""

    type: Literal["function"] = "function"
    function: dict[str, str]


class StreamOptions(_Loose):
    """Streaming extras; include_usage adds a final chunk with token counts."""

    include_usage: bool = False


class ChatCompletionRequest(_Loose):
    """POST /v1/chat/completions body."""

    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    tools: list[ToolDef] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None

    def stop_list(self) -> list[str]:
        """`stop` as a list, empty strings removed."""
        if self.stop is None:
            return []
        stops = [self.stop] if isinstance(self.stop, str) else self.stop
        return [s for s in stops if s]

    def token_limit(self) -> int | None:
        """The requested completion budget (max_completion_tokens wins over max_tokens)."""
        return self.max_completion_tokens or self.max_tokens

    def tool_names(self) -> list[str]:
        """Names of the offered tools, in order."""
        return [t.function.name for t in self.tools or []]


def forced_tool(request: ChatCompletionRequest) -> str | None:
    """The function name a named tool_choice demands, if any."""
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice):
        return choice.function.get("name")
    return None


def validate_request(request: ChatCompletionRequest) -> None:
    """Refuse requests whose semantics this server cannot honour."""
    if request.n not in (None, 1):
        raise InvalidRequest("only n=1 is supported", param="n")
    names = request.tool_names()
    if len(set(names)) != len(names):
        raise InvalidRequest("tool names must be unique", param="tools")
    if request.tool_choice == "required" and not names:
        raise InvalidRequest("tool_choice 'required' needs tools", param="tool_choice")
    if isinstance(request.tool_choice, NamedToolChoice):
        wanted = forced_tool(request)
        if not wanted or wanted not in names:
            raise InvalidRequest(
                f"tool_choice names function {wanted!r}, which is not among the tools",
                param="tool_choice",
            )
    for index, message in enumerate(request.messages):
        if message.role == "tool" and message.content is None:
            raise InvalidRequest("tool messages need content", param=f"messages[{index}].content")
        for call in message.tool_calls or []:
            try:
                parsed = json.loads(call.function.arguments or "{}")
            except json.JSONDecodeError as exc:
                raise InvalidRequest(
                    f"tool call arguments are not JSON: {exc}",
                    param=f"messages[{index}].tool_calls",
                ) from exc
            if not isinstance(parsed, dict):
                raise InvalidRequest(
                    "tool call arguments must be a JSON object",
                    param=f"messages[{index}].tool_calls",
                )


def new_call_id() -> str:
    """A fresh OpenAI-style tool call id."""
    return "call_" + uuid.uuid4().hex[:24]


def new_completion_id() -> str:
    """A fresh chat completion id."""
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def now() -> int:
    """Unix seconds, as the `created` field wants."""
    return int(time.time())
