"""The chat service in the app: opened by the lifespan, reached by routes through ``Chat``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, WebSocket
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.requests import HTTPConnection

from agent.chat import ChatService
from agent.models import ModelUnavailable
from services.bootstrap import Container

MAX_MESSAGE = 4000


class ChatIn(BaseModel):
    """A message to the assistant, in a new thread or an existing one of yours."""

    model_config = ConfigDict(extra="forbid")

    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE)
    ]
    thread_id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None


class ConfirmIn(BaseModel):
    """The answer to the thread's pending confirmation."""

    model_config = ConfigDict(extra="forbid")

    confirmation_id: str = Field(min_length=1, max_length=64)
    approve: bool


@asynccontextmanager
async def chat_lifespan(app: FastAPI, container: Container) -> AsyncIterator[None]:
    """Open the chat service (checkpointer, thread table) for the app's lifetime.

    The model itself is built on the first chat request, so the rest of the API serves even
    when the configured model cannot start.
    """
    async with ChatService.open(container) as chat:
        app.state.chat = chat
        try:
            yield
        finally:
            del app.state.chat


def chat_of(connection: HTTPConnection) -> ChatService:
    """The app's chat service (503 if the app was built without one)."""
    chat: ChatService | None = getattr(connection.app.state, "chat", None)
    if chat is None:
        raise ModelUnavailable("The chat service is not running.")
    return chat


def get_chat(request: Request) -> ChatService:
    """Dependency: the chat service of an HTTP request."""
    return chat_of(request)


def get_socket_chat(websocket: WebSocket) -> ChatService:
    """Dependency: the chat service of a WebSocket connection."""
    return chat_of(websocket)


Chat = Annotated[ChatService, Depends(get_chat)]
