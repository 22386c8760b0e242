"""A dead model endpoint (the openai provider pointed at a closed port) is a 503
``model_unavailable`` on REST and an ``error`` event on SSE and the WebSocket, as a missing
local model is; never an apology that hides the outage, never a 500."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from config.settings import Settings

PASSWORD = "correct-horse-battery"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, its chat model an OpenAI-compatible endpoint nothing listens on."""
    dead = {
        "model_provider": "openai",
        "openai_base_url": f"http://127.0.0.1:{_closed_port()}/v1",
        "openai_api_key": "test",
    }
    app = create_app(settings.model_copy(update=dead))
    with TestClient(app, base_url="http://test") as http:
        yield http


@pytest.fixture
def token(client: TestClient) -> str:
    """A new shopper's access token."""
    email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Shopper"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


def _sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields.get("data", "{}"))))
    return events


def test_rest_chat_answers_503_model_unavailable(client: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/chat", json={"message": "hello"}, headers=headers)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "model_unavailable"


def test_sse_chat_sends_a_model_unavailable_error_event(client: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/chat/stream", json={"message": "hello"}, headers=headers)
    events = _sse(response.text)
    errors = [data for name, data in events if name == "error"]
    assert [error["code"] for error in errors] == ["model_unavailable"], events
    assert events[-1][0] == "done"


def test_websocket_chat_sends_a_model_unavailable_error_event(
    client: TestClient, token: str
) -> None:
    with client.websocket_connect("/api/v1/chat/ws") as ws:
        ws.send_json({"type": "auth", "token": token})
        assert ws.receive_json()["event"] == "ready"
        ws.send_json({"type": "message", "message": "hello"})
        events = []
        while not events or events[-1]["event"] != "done":
            events.append(ws.receive_json())
    errors = [event["data"]["code"] for event in events if event["event"] == "error"]
    assert errors == ["model_unavailable"], events
