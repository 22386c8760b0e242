"""A chat turn is one trace: entry (HTTP request, WebSocket turn, CLI turn) → ``agent.turn`` →
``agent.model`` / ``agent.tool`` → service call → SQL, each span the parent of the next."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from starlette.testclient import TestClient

from agent.chat import ChatService
from api.app import create_app
from cli.chat import _once_json
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.actor import Actor
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tests.e2e.test_chat_api import _make_catalog, _register, _until_done
from tests.tracing import ancestry, label, recorded_spans

__all__ = ["recorded_spans"]

SEARCH = [
    "agent.turn",
    "agent.tool search_products",
    "CatalogService.search_products",
    "SQL SELECT",
]


@pytest.fixture
async def container(
    recorded_spans: list[ReadableSpan], settings: Settings
) -> AsyncIterator[Container]:
    """A container built while tracing is on (its engine and services are traced)."""
    built = bootstrap(settings)
    yield built
    await built.aclose()


@pytest.fixture
async def chat_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A traced app whose chat runs the scripted demo model."""
    app = create_app(container=container)
    async with ChatService.open(container, provider="scripted") as chat:
        app.state.chat = chat
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
            yield http


@pytest.fixture
async def shopper(chat_client: httpx.AsyncClient, container: Container) -> SignedIn:
    """A signed-in customer of a shop selling boots."""
    merchant = await sign_in(chat_client, container, "merchant")
    category = await create_category(chat_client, merchant, "Footwear")
    boots = [variant({"size": "M"}, 5000)]
    await create_product(chat_client, merchant, category["id"], "Trail Boots", boots)
    return await sign_in(chat_client, container, "customer")


def _chains(spans: list[ReadableSpan]) -> list[list[str]]:
    """Every span's ancestry, as labels."""
    return [[label(s) for s in ancestry(span, spans)] for span in spans]


def _sql(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in spans if s.kind is SpanKind.CLIENT and "db.system" in (s.attributes or {})]


@pytest.mark.parametrize("path", ["/chat", "/chat/stream"])
async def test_a_chat_request_traces_down_to_the_sql_of_its_tool(
    chat_client: httpx.AsyncClient,
    shopper: SignedIn,
    recorded_spans: list[ReadableSpan],
    path: str,
) -> None:
    recorded_spans.clear()
    body = {"message": "search boots"}
    response = await chat_client.post(path, json=body, headers=shopper.headers)
    assert response.status_code == 200
    assert "Trail Boots" in response.text
    request = f"POST /api/v1{path}"
    chains = _chains(recorded_spans)
    assert [request, *SEARCH] in chains
    assert [request, "agent.turn", "agent.model"] in chains
    assert len({s.context.trace_id for s in recorded_spans if s.context}) == 1
    sql = _sql(recorded_spans)
    systems = {s.attributes["db.system"] for s in sql if s.attributes}
    assert len(systems) == 1
    assert systems <= {"sqlite", "postgresql"}
    # Statements keep their placeholders: the shopper's words are bound, never recorded.
    assert not [s for s in sql if "boots" in str((s.attributes or {}).get("db.statement"))]


async def test_a_cli_chat_turn_has_a_root_span(
    container: Container,
    shopper: SignedIn,
    recorded_spans: list[ReadableSpan],
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorded_spans.clear()
    actor = Actor(shopper.user_id, "customer")
    async with ChatService.open(container, provider="scripted") as service:
        assert await _once_json(service, actor, "search boots", None, False) == 0
    assert "Trail Boots" in capsys.readouterr().out
    (root,) = [s for s in recorded_spans if s.name == "chat.cli"]
    assert root.parent is None
    assert ["chat.cli", *SEARCH] in _chains(recorded_spans)


def test_a_websocket_turn_traces_down_to_the_sql_of_its_tool(
    recorded_spans: list[ReadableSpan], settings: Settings
) -> None:
    app = create_app(settings.model_copy(update={"model_provider": "scripted"}))
    with TestClient(app, base_url="http://test") as client:
        client.portal.call(_make_catalog, app.state.container)
        token = _register(client)
        with client.websocket_connect(f"/api/v1/chat/ws?token={token}") as socket:
            assert socket.receive_json()["event"] == "ready"
            recorded_spans.clear()
            socket.send_json({"type": "message", "message": "search socks"})
            assert "Wool Socks" in _until_done(socket)[-1]["data"]["reply"]
    chains = _chains(recorded_spans)
    assert ["HTTP /api/v1/chat/ws", "chat.websocket turn", "agent.turn", "agent.model"] in chains
    assert ["HTTP /api/v1/chat/ws", "chat.websocket turn", *SEARCH] in chains
