"""The shopping assistant: chat (JSON), confirmations, streaming (SSE, WebSocket), threads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, WebSocket
from sse_starlette import EventSourceResponse, ServerSentEvent

from agent.chat import ChatRun, ChatService
from agent.schemas import ChatResponse, ThreadDetail, ThreadOut
from api.chat_deps import Chat, ChatIn, ConfirmIn, get_socket_chat
from api.chat_ws import serve_socket
from api.deps import CurrentUser, Paging
from services.kernel.pagination import Page

router = APIRouter(prefix="/chat", tags=["chat"])

HEARTBEAT_SECONDS = 15
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

ThreadId = Annotated[str, Path(min_length=1, max_length=40, description="A chat thread id")]


@router.post("", response_model=ChatResponse)
async def chat(body: ChatIn, actor: CurrentUser, service: Chat) -> ChatResponse:
    """Send a message to the shopping assistant; returns its reply and tool activity."""
    run = await service.start_message(actor, body.message, body.thread_id)
    return await run.response()


@router.post("/stream", response_class=EventSourceResponse)
async def chat_stream(body: ChatIn, actor: CurrentUser, service: Chat) -> EventSourceResponse:
    """Send a message and stream the turn as Server-Sent Events (token, tool_call, …, done)."""
    run = await service.start_message(actor, body.message, body.thread_id)
    return _event_stream(run)


@router.post("/{thread_id}/confirm", response_model=ChatResponse)
async def confirm(
    thread_id: ThreadId, body: ConfirmIn, actor: CurrentUser, service: Chat
) -> ChatResponse:
    """Approve or reject the thread's pending confirmation; the turn then continues."""
    run = await service.start_confirm(actor, thread_id, body.confirmation_id, body.approve)
    return await run.response()


@router.post("/{thread_id}/confirm/stream", response_class=EventSourceResponse)
async def confirm_stream(
    thread_id: ThreadId, body: ConfirmIn, actor: CurrentUser, service: Chat
) -> EventSourceResponse:
    """Answer the pending confirmation and stream the rest of the turn as Server-Sent Events."""
    run = await service.start_confirm(actor, thread_id, body.confirmation_id, body.approve)
    return _event_stream(run)


@router.get("/threads", response_model=Page[ThreadOut])
async def list_threads(actor: CurrentUser, paging: Paging, service: Chat) -> Page[ThreadOut]:
    """Your conversations with the assistant, most recent first."""
    return await service.list_threads(actor, paging)


@router.get("/threads/{thread_id}", response_model=ThreadDetail, response_model_exclude_none=True)
async def get_thread(thread_id: ThreadId, actor: CurrentUser, service: Chat) -> ThreadDetail:
    """One of your conversations with its messages and any pending confirmation."""
    return await service.get_thread(actor, thread_id)


@router.websocket("/ws")
async def chat_socket(
    websocket: WebSocket, service: Annotated[ChatService, Depends(get_socket_chat)]
) -> None:
    """WebSocket chat: authenticate with ``?token=`` or a first ``auth`` message."""
    await serve_socket(websocket, service)


def _event_stream(run: ChatRun) -> EventSourceResponse:
    async def events() -> AsyncIterator[ServerSentEvent]:
        async for event in run.events():
            yield ServerSentEvent(
                data=json.dumps(event.data, ensure_ascii=False), event=event.event
            )

    return EventSourceResponse(events(), ping=HEARTBEAT_SECONDS, headers=SSE_HEADERS)
