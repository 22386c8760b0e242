"""Shapes of the chat API, shared by the JSON, SSE and WebSocket endpoints and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer


class ToolCallOut(BaseModel):
    """One tool call of a turn with its result, or its error ``{code, message}``."""

    name: str
    args: dict[str, Any]
    result: Any = None
    error: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _result_or_error(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data.pop("result" if self.error is not None else "error", None)
        return data


class PendingConfirmation(BaseModel):
    """A COMMIT call waiting for the shopper: approve it by its id."""

    id: str
    tool: str
    args: dict[str, Any]
    summary: dict[str, Any]


class ChatResponse(BaseModel):
    """The outcome of a message or a confirmation."""

    thread_id: str
    reply: str
    tool_calls: list[ToolCallOut] = Field(default_factory=list)
    pending_confirmation: PendingConfirmation | None = None
    cart_changes: list[str] = Field(
        default_factory=list,
        description="What cart tools changed this turn, listed by the shop, not by the model",
    )


class ThreadOut(BaseModel):
    """A conversation of the user."""

    id: str
    title: str
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    """One message of a thread as the shopper saw it."""

    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[dict[str, Any]] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    result: Any = None
    error: dict[str, Any] | None = None


class ThreadDetail(ThreadOut):
    """A thread with its messages and any confirmation it is waiting for."""

    messages: list[MessageOut]
    pending_confirmation: PendingConfirmation | None = None
