"""Deeply nested JSON: refused with a 4xx before anything decodes it, on REST and the WebSocket.

Python's JSON decoder recurses once per level, so 2,000 levels raised ``RecursionError`` (a 500
and a traceback per request) and 100,000 levels could take the connection down with them.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from api.chat_ws import POLICY_CLOSE, UNAUTHORIZED_CLOSE
from api.json_depth import MAX_JSON_DEPTH, too_deep
from config.settings import Settings

LEVELS = [2_000, 100_000]


def nested(levels: int, inner: str = "1") -> str:
    """``levels`` arrays inside one another around ``inner``."""
    return "[" * levels + inner + "]" * levels


def login_inside(levels: int) -> str:
    """A login body whose password nests ``levels`` levels deep."""
    return '{"email": "a@example.com", "password": ' + nested(levels, '"x"') + "}"


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("content_type", ["application/json", None])
async def test_deep_json_on_login_is_a_422_without_a_traceback(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    levels: int,
    content_type: str | None,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with caplog.at_level(logging.ERROR):
        response = await client.post("/auth/login", content=login_inside(levels), headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert str(MAX_JSON_DEPTH) in error["message"]
    assert error["details"]["errors"][0]["type"] == "too_deep"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_deep_json_is_refused_on_every_route_before_authentication(
    client: httpx.AsyncClient,
) -> None:
    for method, path in [("POST", "/cart/items"), ("PATCH", "/users/me"), ("POST", "/chat")]:
        response = await client.request(
            method, path, content=nested(2_000), headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            422,
            "validation_error",
        ), path


async def test_json_at_the_depth_limit_still_reaches_the_route(client: httpx.AsyncClient) -> None:
    body = '{"email": "a@example.com", "password": ' + nested(MAX_JSON_DEPTH - 1, '"x"') + "}"
    response = await client.post(
        "/auth/login", content=body, headers={"content-type": "application/json"}
    )
    # The route's own validation answers: the password is no string.
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["type"] != "too_deep"


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert not too_deep('{"a": "' + "[" * 500 + '"}')
    assert not too_deep('["\\"' + "[" * 500 + '"]')
    assert too_deep('{"a": ' * (MAX_JSON_DEPTH + 1))
    assert not too_deep(nested(MAX_JSON_DEPTH))
    assert too_deep(nested(MAX_JSON_DEPTH + 1))
    # An unclosed string with escaped quotes is one linear pass, not a quadratic search.
    assert not too_deep(b'"' + b'\\"[' * 300_000)


def test_deep_json_frame_gets_an_error_then_a_policy_close(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"model_provider": "scripted"}))
    with TestClient(app) as client, client.websocket_connect("/api/v1/chat/ws") as socket:
        socket.send_text('{"type": "auth", "token": ' + nested(2_000) + "}")
        message = socket.receive_json()
        assert message["event"] == "error"
        assert message["data"]["code"] == "validation_error"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == POLICY_CLOSE


def test_a_100k_level_frame_gets_errors_then_a_proper_close(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"model_provider": "scripted"}))
    with TestClient(app) as client, client.websocket_connect("/api/v1/chat/ws") as socket:
        socket.send_text(nested(100_000))
        assert socket.receive_json()["data"]["code"] == "payload_too_large"
        # It was the auth frame: no token came, so the socket closes as unauthorized.
        assert socket.receive_json()["data"]["code"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == UNAUTHORIZED_CLOSE
