"""The chat over a WebSocket (the Go DomTok's transport), with the SSE endpoint's events.

Client → server, one JSON object per frame:
    {"type": "auth", "token": "<access token>"}            (unless ``?token=`` was given)
    {"type": "message", "message": "...", "thread_id": "thr_..."?}
    {"type": "confirm", "thread_id": "...", "confirmation_id": "cf_...", "approve": true}
Server → client: {"event": "ready" | "token" | "tool_call" | "tool_result" |
    "confirmation_required" | "done" | "error", "data": {...}}

The token is checked again before every turn, so a revoked or expired token stops the chat.
A frame nesting JSON deeper than :data:`~api.json_depth.MAX_JSON_DEPTH` levels gets an ``error``
event, then the socket is closed with 1008 (policy violation).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from agent.chat import ChatRun, ChatService
from agent.telemetry import entry_span
from api.chat_deps import ChatIn, ConfirmIn
from api.json_depth import MAX_JSON_DEPTH, too_deep
from services.kernel.actor import Actor
from services.kernel.errors import ShopError, Unauthorized

UNAUTHORIZED_CLOSE = 4401
POLICY_CLOSE = 1008
MAX_FRAME = 16_000


class SocketClosed(Exception):
    """The server closed the socket after refusing a frame."""


async def serve_socket(websocket: WebSocket, service: ChatService) -> None:
    """Accept, authenticate, then answer messages and confirmations until the client leaves."""
    await websocket.accept()
    try:
        token = websocket.query_params.get("token") or await _auth_frame(websocket)
        actor = await _authenticate(websocket, service, token)
        if actor is None:
            return
        await _send(websocket, "ready", {"user_id": actor.user_id})
        while True:
            frame = await _receive(websocket)
            if frame is None:
                continue
            if frame.get("type") == "auth":
                token = str(frame.get("token", ""))
            actor = await _authenticate(websocket, service, token)
            if actor is None:
                return
            if frame.get("type") != "auth":
                # The connection's span lasts as long as the socket: each turn gets its own.
                with entry_span("chat.websocket turn", **{"enduser.id": actor.user_id}):
                    await _turn(websocket, service, actor, frame)
    except (WebSocketDisconnect, SocketClosed):
        return


async def _auth_frame(websocket: WebSocket) -> str:
    frame = await _receive(websocket)
    if frame is None or frame.get("type") != "auth":
        return ""
    return str(frame.get("token", ""))


async def _authenticate(websocket: WebSocket, service: ChatService, token: str) -> Actor | None:
    try:
        if not token:
            raise Unauthorized('Send an access token: ?token=... or {"type": "auth"}.')
        return await service.container.users.authenticate(token)
    except ShopError as exc:
        await _send(websocket, "error", {"code": exc.code, "message": exc.message})
        await websocket.close(code=UNAUTHORIZED_CLOSE, reason=exc.code)
        return None


async def _turn(
    websocket: WebSocket, service: ChatService, actor: Actor, frame: dict[str, Any]
) -> None:
    try:
        kind = frame.get("type")
        body = {key: value for key, value in frame.items() if key != "type"}
        run: ChatRun
        if kind == "message":
            message = ChatIn.model_validate(body)
            run = await service.start_message(actor, message.message, message.thread_id)
        elif kind == "confirm":
            thread_id = str(body.pop("thread_id", ""))
            answer = ConfirmIn.model_validate(body)
            run = await service.start_confirm(
                actor, thread_id, answer.confirmation_id, answer.approve
            )
        else:
            await _error(websocket, "bad_request", "type must be auth, message or confirm")
            return
    except ValidationError as exc:
        await _error(websocket, "validation_error", _first_problem(exc))
        return
    except ShopError as exc:
        await _error(websocket, exc.code, exc.message)
        return
    async for event in run.events():
        await _send(websocket, event.event, event.data)


async def _receive(websocket: WebSocket) -> dict[str, Any] | None:
    text = await websocket.receive_text()
    if len(text) > MAX_FRAME:
        await _error(websocket, "payload_too_large", f"frames are limited to {MAX_FRAME} bytes")
        return None
    if too_deep(text):
        message = f"frames may nest JSON at most {MAX_JSON_DEPTH} levels deep"
        await _error(websocket, "validation_error", message)
        await websocket.close(code=POLICY_CLOSE, reason="too_deep")
        raise SocketClosed
    try:
        frame = json.loads(text)
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        await _error(websocket, "bad_request", "send one JSON object per frame")
        return None
    return frame


async def _send(websocket: WebSocket, event: str, data: dict[str, Any]) -> None:
    await websocket.send_json({"event": event, "data": data})


async def _error(websocket: WebSocket, code: str, message: str) -> None:
    await _send(websocket, "error", {"code": code, "message": message})


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "frame"
    return f"{where}: {error['msg']}"
