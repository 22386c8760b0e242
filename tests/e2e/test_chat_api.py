"""The chat API through HTTP (JSON, SSE, WebSocket) and ``domtok chat`` as a real process.

The model is the scripted demo script, so replies are deterministic and no network is used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from agent.chat import ChatService
from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container
from services.seed.demo import DemoSeeder
from services.users.passwords import Argon2PasswordHasher
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tests.e2e.conftest import error_code

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = {
    "recipient": "Ann",
    "line1": "1 Main St",
    "city": "Springfield",
    "zip": "1",
    "country": "US",
}


@pytest.fixture
async def chat_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose chat service runs the scripted demo model."""
    app = create_app(container=container)
    async with ChatService.open(container, provider="scripted") as chat:
        app.state.chat = chat
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
            yield http


@pytest.fixture
async def boots(chat_client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    """A product with two sizes in stock."""
    merchant = await sign_in(chat_client, container, "merchant")
    category = await create_category(chat_client, merchant, "Footwear")
    return await create_product(
        chat_client,
        merchant,
        category["id"],
        "Trail Boots",
        [variant({"size": "M"}, 5000), variant({"size": "L"}, 5500)],
    )


async def _shopper(client: httpx.AsyncClient, container: Container) -> SignedIn:
    shopper = await sign_in(client, container, "customer")
    response = await client.post("/users/me/addresses", json=ADDRESS, headers=shopper.headers)
    assert response.status_code == 201, response.text
    return shopper


@pytest.fixture
async def ann(chat_client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await _shopper(chat_client, container)


@pytest.fixture
async def ben(chat_client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await _shopper(chat_client, container)


async def _say(
    client: httpx.AsyncClient, who: SignedIn, message: str, thread_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if thread_id:
        body["thread_id"] = thread_id
    response = await client.post("/chat", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _pending_checkout(
    client: httpx.AsyncClient, who: SignedIn, boots: dict[str, Any]
) -> dict[str, Any]:
    first = await _say(client, who, f"add {boots['variants'][0]['id']} to my cart")
    return await _say(client, who, "checkout", first["thread_id"])


async def test_chat_replies_with_tool_calls_in_the_documented_shape(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    body = await _say(chat_client, ann, "search boots")
    documented = {"thread_id", "reply", "tool_calls", "pending_confirmation", "cart_changes"}
    assert set(body) == documented
    assert body["thread_id"].startswith("thr_")
    assert "Trail Boots" in body["reply"]
    (call,) = body["tool_calls"]
    assert set(call) == {"name", "args", "result"}
    assert call["name"] == "search_products"
    assert call["result"]["items"][0]["id"] == boots["id"]
    assert body["pending_confirmation"] is None


async def test_chat_needs_a_valid_token(chat_client: httpx.AsyncClient) -> None:
    response = await chat_client.post("/chat", json={"message": "hi"})
    assert response.status_code == 401
    bad = {"Authorization": "Bearer nope"}
    response = await chat_client.post("/chat", json={"message": "hi"}, headers=bad)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 4001},
        {"message": "hi", "extra": 1},
        {},
    ],
)
async def test_chat_rejects_invalid_bodies(
    chat_client: httpx.AsyncClient, ann: SignedIn, body: dict[str, Any]
) -> None:
    response = await chat_client.post("/chat", json=body, headers=ann.headers)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


async def test_checkout_waits_for_confirmation_of_that_exact_id(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    paused = await _pending_checkout(chat_client, ann, boots)
    pending = paused["pending_confirmation"]
    assert pending["tool"] == "place_order"
    assert pending["summary"]["items"][0]["product"] == "Trail Boots"
    assert pending["summary"]["cart_total"] == "$50.00"
    orders = await chat_client.get("/orders", headers=ann.headers)
    assert orders.json()["total"] == 0

    thread = paused["thread_id"]
    wrong = {"confirmation_id": "cf_0000", "approve": True}
    response = await chat_client.post(f"/chat/{thread}/confirm", json=wrong, headers=ann.headers)
    assert response.status_code == 409
    assert error_code(response) == "confirmation_mismatch"

    answer = {"confirmation_id": pending["id"], "approve": True}
    response = await chat_client.post(f"/chat/{thread}/confirm", json=answer, headers=ann.headers)
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["pending_confirmation"] is None
    assert done["tool_calls"][0]["name"] == "place_order"
    assert done["tool_calls"][0]["result"]["status"] == "pending_payment"
    orders = await chat_client.get("/orders", headers=ann.headers)
    assert orders.json()["total"] == 1

    again = await chat_client.post(f"/chat/{thread}/confirm", json=answer, headers=ann.headers)
    assert again.status_code == 409
    assert error_code(again) == "no_pending_confirmation"


async def test_rejecting_a_confirmation_changes_nothing(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    paused = await _pending_checkout(chat_client, ann, boots)
    answer = {"confirmation_id": paused["pending_confirmation"]["id"], "approve": False}
    url = f"/chat/{paused['thread_id']}/confirm"
    response = await chat_client.post(url, json=answer, headers=ann.headers)
    body = response.json()
    assert body["tool_calls"][0]["error"]["code"] == "declined_by_shopper"
    assert "did not do that" in body["reply"]
    orders = await chat_client.get("/orders", headers=ann.headers)
    assert orders.json()["total"] == 0


async def test_another_user_cannot_see_or_continue_a_thread(
    chat_client: httpx.AsyncClient, ann: SignedIn, ben: SignedIn, boots: dict[str, Any]
) -> None:
    paused = await _pending_checkout(chat_client, ann, boots)
    thread = paused["thread_id"]
    answer = {"confirmation_id": paused["pending_confirmation"]["id"], "approve": True}
    attempts = [
        await chat_client.get(f"/chat/threads/{thread}", headers=ben.headers),
        await chat_client.post(
            "/chat", json={"message": "checkout", "thread_id": thread}, headers=ben.headers
        ),
        await chat_client.post(f"/chat/{thread}/confirm", json=answer, headers=ben.headers),
        await chat_client.post(
            "/chat/stream", json={"message": "hi", "thread_id": thread}, headers=ben.headers
        ),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert error_code(response) == "thread_not_found"
    listed = await chat_client.get("/chat/threads", headers=ben.headers)
    assert listed.json()["items"] == []
    orders = await chat_client.get("/orders", headers=ann.headers)
    assert orders.json()["total"] == 0


async def test_threads_list_and_show_the_users_own_conversations(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    first = await _say(chat_client, ann, "search boots")
    await _say(chat_client, ann, "my cart")
    listed = await chat_client.get("/chat/threads?page_size=1", headers=ann.headers)
    page = listed.json()
    assert page["total"] == 2
    assert page["page_size"] == 1
    assert page["items"][0]["title"] == "my cart"

    detail = await chat_client.get(f"/chat/threads/{first['thread_id']}", headers=ann.headers)
    body = detail.json()
    roles = [message["role"] for message in body["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert body["messages"][1]["tool_calls"][0]["name"] == "search_products"
    assert body["messages"][2]["result"]["items"][0]["name"] == "Trail Boots"
    assert "<shop_data>" not in json.dumps(body)


def _parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events


async def test_stream_sends_tool_events_tokens_and_done(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    response = await chat_client.post(
        "/chat/stream", json={"message": "search boots"}, headers=ann.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    events = _parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[:2] == ["tool_call", "tool_result"]
    assert "token" in names
    assert names[-1] == "done"
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert streamed == events[-1][1]["reply"]


async def test_stream_announces_confirmations_and_confirm_streams_the_rest(
    chat_client: httpx.AsyncClient, ann: SignedIn, boots: dict[str, Any]
) -> None:
    first = await _say(chat_client, ann, f"add {boots['variants'][1]['id']} to my cart")
    body = {"message": "checkout", "thread_id": first["thread_id"]}
    response = await chat_client.post("/chat/stream", json=body, headers=ann.headers)
    events = _parse_sse(response.text)
    (pending,) = [data for name, data in events if name == "confirmation_required"]
    assert events[-1][1]["pending_confirmation"] == pending

    answer = {"confirmation_id": pending["id"], "approve": True}
    url = f"/chat/{first['thread_id']}/confirm/stream"
    response = await chat_client.post(url, json=answer, headers=ann.headers)
    events = _parse_sse(response.text)
    results = [data for name, data in events if name == "tool_result"]
    assert results[0]["name"] == "place_order"
    assert results[0]["result"]["total"]["formatted"] == "$55.00"


def test_websocket_chat_authenticates_streams_and_confirms(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"model_provider": "scripted"}))
    with TestClient(app, base_url="http://test") as client:
        client.portal.call(_make_catalog, app.state.container)
        token = _register(client)
        with client.websocket_connect("/api/v1/chat/ws") as socket:
            socket.send_json({"type": "auth", "token": token})
            assert socket.receive_json()["event"] == "ready"
            socket.send_json({"type": "message", "message": "add socks to my cart"})
            events = _until_done(socket)
            names = [event["event"] for event in events]
            assert names.count("tool_call") == 3
            assert names[-1] == "done"
            thread = events[-1]["data"]["thread_id"]
            socket.send_json({"type": "message", "message": "checkout", "thread_id": thread})
            pending = _until_done(socket)[-1]["data"]["pending_confirmation"]
            assert pending["tool"] == "place_order"
            socket.send_json(
                {
                    "type": "confirm",
                    "thread_id": thread,
                    "confirmation_id": pending["id"],
                    "approve": True,
                }
            )
            done = _until_done(socket)[-1]["data"]
            assert done["tool_calls"][0]["result"]["status"] == "pending_payment"
            socket.send_json({"type": "message", "message": ""})
            assert socket.receive_json()["data"]["code"] == "validation_error"
        with client.websocket_connect(f"/api/v1/chat/ws?token={token}") as socket:
            assert socket.receive_json()["event"] == "ready"


def test_websocket_refuses_a_missing_or_bad_token(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"model_provider": "scripted"}))
    with TestClient(app) as client:
        with client.websocket_connect("/api/v1/chat/ws?token=bad") as socket:
            message = socket.receive_json()
            assert message["event"] == "error"
            assert message["data"]["code"] == "invalid_token"
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
            assert closed.value.code == 4401
        with client.websocket_connect("/api/v1/chat/ws") as socket:
            socket.send_json({"type": "message", "message": "search boots"})
            assert socket.receive_json()["data"]["code"] == "unauthorized"


async def _make_catalog(container: Container) -> None:
    from services.catalog.schemas import CategoryIn, PriceIn, ProductIn, VariantIn
    from services.kernel.actor import Actor
    from services.users.schemas import RegisterIn

    admin = await container.users.create_user(
        RegisterIn(email="ws-admin@example.com", password="correct-horse-1", name="A"),  # type: ignore[arg-type]
        role="admin",
    )
    actor = Actor(admin.id, "admin")
    category = await container.catalog.create_category(actor, CategoryIn(name="Socks"))
    await container.catalog.create_product(
        actor,
        ProductIn(
            name="Wool Socks",
            category_id=category.id,
            variants=[VariantIn(options={"size": "M"}, price=PriceIn(amount=900), on_hand=5)],
        ),
    )


def _register(client: TestClient) -> str:
    body = {"email": "ws-shopper@example.com", "password": "correct-horse-1", "name": "W"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    login = {"email": body["email"], "password": body["password"]}
    token: str = client.post("/api/v1/auth/login", json=login).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/users/me/addresses", json=ADDRESS, headers=headers).is_success
    return token


def _until_done(socket: Any) -> list[dict[str, Any]]:
    events = []
    while True:
        event = socket.receive_json()
        events.append(event)
        if event["event"] == "done":
            return events


@pytest.fixture
async def seeded(container: Container, settings: Settings) -> Settings:
    """The test database with the demo shop (τ catalog, demo shopper) seeded."""
    await DemoSeeder(container.uow, Argon2PasswordHasher(fast=True)).run()
    return settings


def _domtok_chat(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOMTOK_")}
    env.update(
        {
            "DOMTOK_DATA_DIR": str(settings.data_dir),
            "DOMTOK_DATABASE_URL": settings.database_url,
            "DOMTOK_ENVIRONMENT": "test",
        }
    )
    command = [sys.executable, "-m", "cli.main", "chat", "--model", "scripted", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_domtok_chat_once_json_from_a_real_process(seeded: Settings) -> None:
    found = _domtok_chat(seeded, "--once", "search t-shirt", "--json")
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)
    documented = {"thread_id", "reply", "tool_calls", "pending_confirmation", "cart_changes"}
    assert set(body) == documented
    assert body["tool_calls"][0]["name"] == "search_products"
    assert "T-Shirt" in body["reply"]

    added = _domtok_chat(
        seeded, "--once", "add t-shirt to my cart", "--json", "--thread", body["thread_id"]
    )
    assert added.returncode == 0, added.stderr
    assert [c["name"] for c in json.loads(added.stdout)["tool_calls"]][-1] == "add_to_cart"

    paused = json.loads(_domtok_chat(seeded, "--once", "checkout", "--json").stdout)
    assert paused["pending_confirmation"]["tool"] == "place_order"

    placed = _domtok_chat(seeded, "--once", "checkout", "--json", "--yes")
    assert placed.returncode == 0, placed.stderr
    body = json.loads(placed.stdout)
    assert body["pending_confirmation"] is None
    assert body["tool_calls"][-1]["name"] == "place_order"
    assert body["tool_calls"][-1]["result"]["status"] == "pending_payment"


def test_domtok_chat_reports_an_unknown_user(seeded: Settings) -> None:
    result = _domtok_chat(seeded, "--as", "nobody@example.com", "--once", "hi", "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "not_found"
    assert "seed --demo" in json.loads(result.stdout)["error"]["message"]
