"""``domtok mcp`` through the official MCP client: a real subprocess over stdio and over HTTP.

The shop is the seeded demo shop; the client signs in as the demo shopper and shops with the
same tools as the chat agent. A COMMIT call runs only after the shopper's own yes: through an
elicitation form when the client supports it, else an approval the shopper gives over REST with
their own login, after which the client's retry with the confirmation id runs it once. The
transcript of the stdio session is written to ``test-artifacts/mcp/transcript.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientRequestContext

from api.mcp.server import build_server
from api.mcp.shop import ShopSession
from config.settings import Settings
from services.approvals.service import ApprovalService
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.clock import FrozenClock
from services.kernel.pagination import PageRequest
from services.seed.demo import DEMO_SHOPPER, DemoSeeder
from services.users.passwords import Argon2PasswordHasher
from services.users.schemas import LoginIn, TokenPair
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPT = ROOT / "test-artifacts" / "mcp" / "transcript.md"


@pytest.fixture
async def shop(container: Container) -> Container:
    """The test database with the demo shop seeded."""
    await DemoSeeder(container.uow, Argon2PasswordHasher(fast=True)).run()
    return container


@pytest.fixture
async def tokens(shop: Container) -> TokenPair:
    """A login of the demo shopper."""
    return await shop.users.login(LoginIn(email=DEMO_SHOPPER.email, password=DEMO_SHOPPER.password))


@pytest.fixture
async def demo(shop: Container, tokens: TokenPair) -> Actor:
    """The demo shopper as an actor, for checking the database directly."""
    return await shop.users.authenticate(tokens.access_token)


@pytest.fixture
async def shopper(shop: Container) -> dict[str, str]:
    """Headers of the demo shopper's own login in the web shop (not the MCP server's token)."""
    pair = await shop.users.login(LoginIn(email=DEMO_SHOPPER.email, password=DEMO_SHOPPER.password))
    return {"Authorization": f"Bearer {pair.access_token}"}


async def approve(client: httpx.AsyncClient, headers: dict[str, str], confirmation_id: str) -> None:
    """The shopper approves a confirmation over REST."""
    response = await client.post(f"/confirmations/{confirmation_id}/approve", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DOMTOK_DATA_DIR": str(settings.data_dir),
        "DOMTOK_DATABASE_URL": settings.database_url,
        "DOMTOK_ENVIRONMENT": "test",
    }


def _stdio(settings: Settings, token: str) -> StdioServerParameters:
    env = {**_env(settings), "DOMTOK_MCP_TOKEN": token}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "cli.main", "mcp"], env=env, cwd=ROOT
    )


class Transcript:
    """Calls and results of a session, kept for the test artifact."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.lines: list[str] = []

    async def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Call a tool and return its structured content (asserts it was no error)."""
        result = await self.client.call_tool(name, args)
        data: dict[str, Any] = result.structured_content
        self.lines.append(f"→ {name} {json.dumps(args, ensure_ascii=False)}")
        self.lines.append(f"← {_brief(data)}")
        assert not result.is_error, data
        return data

    def save(self) -> None:
        """Write the transcript under test-artifacts/."""
        TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
        TRANSCRIPT.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def _brief(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= 400 else text[:400] + " …"


async def _order_count(container: Container, actor: Actor) -> int:
    return (await container.orders.list(actor, PageRequest(page=1, page_size=1), None)).total


async def test_stdio_session_lists_searches_adds_and_checks_out_with_confirmations(
    shop: Container,
    settings: Settings,
    tokens: TokenPair,
    demo: Actor,
    client: httpx.AsyncClient,
    shopper: dict[str, str],
) -> None:
    stdio = _stdio(settings, tokens.access_token)
    async with Client(stdio, read_timeout_seconds=60) as mcp_client:
        listed = await mcp_client.list_tools()
        kinds = {tool.name: (tool.meta or {}).get("domtok/kind") for tool in listed.tools}
        assert kinds["search_products"] == "read"
        assert kinds["add_to_cart"] == "cart"
        assert kinds["place_order"] == kinds["pay_order"] == "commit"
        session = Transcript(mcp_client)
        session.lines.append(f"tools/list → {len(listed.tools)} tools: {', '.join(kinds)}")

        found = await session.call("search_products", {"query": "t-shirt", "in_stock": True})
        product = await session.call("get_product", {"product_id": found["items"][0]["id"]})
        variant = next(v for v in product["variants"] if v["in_stock"])
        cart = await session.call("add_to_cart", {"variant_id": variant["id"], "quantity": 2})
        assert cart["item_count"] == 2

        addresses = (await session.call("list_addresses", {}))["items"]
        place = {"address_id": addresses[0]["id"]}
        asked = await session.call("place_order", place)
        assert asked["status"] == "approval_pending"
        assert asked["summary"]["items"][0]["quantity"] == 2
        assert await _order_count(shop, demo) == 0
        await approve(client, shopper, asked["confirmation_id"])
        session.lines.append(f"(the shopper approves {asked['confirmation_id']} over REST)")
        order = await session.call(
            "place_order", {**place, "confirmation_id": asked["confirmation_id"]}
        )
        assert order["status"] == "pending_payment"
        assert await _order_count(shop, demo) == 1

        token = await session.call("get_payment_token", {"order_id": order["id"]})
        methods = (await session.call("list_payment_methods", {}))["items"]
        paypal = next(m for m in methods if m["kind"] == "paypal")
        pay = {
            "order_id": order["id"],
            "payment_method_id": paypal["id"],
            "payment_token": token["payment_token"],
        }
        charge = await session.call("pay_order", pay)
        assert charge["summary"]["charge"] == order["total"]["formatted"]
        await approve(client, shopper, charge["confirmation_id"])
        session.lines.append(f"(the shopper approves {charge['confirmation_id']} over REST)")
        paid = await session.call(
            "pay_order", {**pay, "confirmation_id": charge["confirmation_id"]}
        )
        assert paid["status"] == "paid"
        session.save()
    stored = await shop.orders.get(demo, order["id"])
    assert stored.status == "paid"


async def test_a_commit_without_confirmation_does_nothing(
    shop: Container, settings: Settings, tokens: TokenPair, demo: Actor
) -> None:
    async with Client(_stdio(settings, tokens.access_token), read_timeout_seconds=60) as client:
        place = await _ready_to_place(client)
        first = await client.call_tool("place_order", place)
        assert first.structured_content["status"] == "approval_pending"
        assert "Nothing was done yet" in first.content[0].text  # type: ignore[union-attr]
        forged = await client.call_tool("place_order", {**place, "confirmation_id": "cf_made_up"})
        assert forged.is_error
        assert forged.structured_content["error"]["code"] == "confirmation_not_found"
    assert await _order_count(shop, demo) == 0
    assert (await shop.carts.view(demo)).item_count == 1


async def _in_memory(
    shop: Container,
    tokens: TokenPair,
    approvals: ApprovalService | None = None,
    **options: Any,
) -> AsyncIterator[Client]:
    session = ShopSession(shop, tokens.access_token, approvals=approvals)
    async with Client(build_server(session), **options) as client:
        yield client


async def _ready_to_place(client: Client) -> dict[str, Any]:
    found = await client.call_tool("search_products", {"query": "t-shirt", "in_stock": True})
    product_id = found.structured_content["items"][0]["id"]
    product = await client.call_tool("get_product", {"product_id": product_id})
    variant = next(v for v in product.structured_content["variants"] if v["in_stock"])
    await client.call_tool("add_to_cart", {"variant_id": variant["id"]})
    addresses = (await client.call_tool("list_addresses", {})).structured_content["items"]
    return {"address_id": addresses[0]["id"]}


async def test_a_confirmation_id_is_single_use_and_bound_to_the_exact_arguments(
    shop: Container, tokens: TokenPair, demo: Actor
) -> None:
    async for client in _in_memory(shop, tokens):
        place = await _ready_to_place(client)
        asked = (await client.call_tool("place_order", place)).structured_content
        await shop.approvals.decide(demo, asked["confirmation_id"], approve=True)
        other = {**place, "coupon_code": "SAVE10", "confirmation_id": asked["confirmation_id"]}
        mismatch = await client.call_tool("place_order", other)
        assert mismatch.structured_content["error"]["code"] == "confirmation_mismatch"
        # The mismatch spent the id: the right arguments cannot use it afterwards.
        again = await client.call_tool(
            "place_order", {**place, "confirmation_id": asked["confirmation_id"]}
        )
        assert again.structured_content["error"]["code"] == "confirmation_not_found"
        assert await _order_count(shop, demo) == 0

        fresh = (await client.call_tool("place_order", place)).structured_content
        await shop.approvals.decide(demo, fresh["confirmation_id"], approve=True)
        confirmed = {**place, "confirmation_id": fresh["confirmation_id"]}
        placed = await client.call_tool("place_order", confirmed)
        assert placed.structured_content["status"] == "pending_payment"
        replay = await client.call_tool("place_order", confirmed)
        assert replay.structured_content["error"]["code"] == "confirmation_not_found"
        assert await _order_count(shop, demo) == 1


async def test_a_confirmation_expires(shop: Container, tokens: TokenPair, demo: Actor) -> None:
    clock = FrozenClock(shop.clock.now())
    approvals = ApprovalService(shop.uow, clock, ttl=timedelta(minutes=5))
    async for client in _in_memory(shop, tokens, approvals):
        place = await _ready_to_place(client)
        asked = (await client.call_tool("place_order", place)).structured_content
        await approvals.decide(demo, asked["confirmation_id"], approve=True)
        clock.advance(minutes=6)
        late = await client.call_tool(
            "place_order", {**place, "confirmation_id": asked["confirmation_id"]}
        )
        assert late.structured_content["error"]["code"] == "confirmation_expired"
    assert await _order_count(shop, demo) == 0


async def test_another_users_confirmation_id_is_unknown_to_them(
    shop: Container, tokens: TokenPair, demo: Actor
) -> None:
    async for client in _in_memory(shop, tokens):
        place = await _ready_to_place(client)
        asked = (await client.call_tool("place_order", place)).structured_content
        await shop.approvals.decide(demo, asked["confirmation_id"], approve=True)
    other = await shop.users.login(
        LoginIn(email="admin@domtok.local", password="admin-password-123")
    )
    async for intruder in _in_memory(shop, other):
        stolen = await intruder.call_tool(
            "place_order", {**place, "confirmation_id": asked["confirmation_id"]}
        )
        assert stolen.structured_content["error"]["code"] == "confirmation_not_found"
    assert await _order_count(shop, demo) == 0


async def test_tool_errors_and_bad_arguments_come_back_as_error_results(
    shop: Container, tokens: TokenPair
) -> None:
    async for client in _in_memory(shop, tokens):
        missing = await client.call_tool("get_order", {"order_id": "ord_doesnotexist"})
        assert missing.is_error
        assert missing.structured_content["error"]["code"] == "order_not_found"
        bad = await client.call_tool("add_to_cart", {"variant_id": "var_x", "quantity": 500})
        assert bad.structured_content["error"]["code"] == "invalid_arguments"
        unknown = await client.call_tool("delete_everything", {})
        assert unknown.structured_content["error"]["code"] == "unknown_tool"


async def test_a_revoked_token_stops_the_session(shop: Container, tokens: TokenPair) -> None:
    async for client in _in_memory(shop, tokens):
        await shop.users.logout(tokens.access_token, tokens.refresh_token)
        refused = await client.call_tool("view_cart", {})
        assert refused.is_error
        assert refused.structured_content["error"]["code"] == "token_revoked"


def test_domtok_mcp_refuses_a_bad_token(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMTOK_")}
    env.update(_env(settings))
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "mcp", "--token", "not-a-token"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Log in again" in result.stderr


@pytest.fixture
def http_server(shop: Container, settings: Settings, tokens: TokenPair) -> Iterator[str]:
    """``domtok mcp --http`` as a real process; yields its URL and stops it by its PID."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMTOK_")}
    env.update({**_env(settings), "DOMTOK_MCP_TOKEN": tokens.access_token})
    command = [sys.executable, "-m", "cli.main", "mcp", "--http", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        _wait_for_port(port, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"domtok mcp exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("domtok mcp --http did not start")


async def test_http_transport_serves_the_same_tools(http_server: str) -> None:
    async with Client(http_server, read_timeout_seconds=60) as client:
        listed = await client.list_tools()
        assert {"search_products", "place_order"} <= {tool.name for tool in listed.tools}
        found = await client.call_tool("search_products", {"query": "t-shirt"})
        assert not found.is_error
        assert found.structured_content["items"][0]["name"] == "T-Shirt"


async def test_a_client_cannot_approve_its_own_commit(
    shop: Container,
    tokens: TokenPair,
    demo: Actor,
    client: httpx.AsyncClient,
    shopper: dict[str, str],
) -> None:
    """A prompt-injected MCP client that retries with its own confirmation id places nothing."""
    async for mcp_client in _in_memory(shop, tokens):
        place = await _ready_to_place(mcp_client)
        asked = (await mcp_client.call_tool("place_order", place)).structured_content
        assert (
            asked["approve_with"]
            == f"POST /api/v1/confirmations/{asked['confirmation_id']}/approve"
        )
        retry = {**place, "confirmation_id": asked["confirmation_id"]}
        for _ in range(2):
            refused = await mcp_client.call_tool("place_order", retry)
            assert refused.is_error
            assert refused.structured_content["error"]["code"] == "confirmation_not_approved"
        assert await _order_count(shop, demo) == 0

        await approve(client, shopper, asked["confirmation_id"])
        placed = await mcp_client.call_tool("place_order", retry)
        assert placed.structured_content["status"] == "pending_payment"
        replay = await mcp_client.call_tool("place_order", retry)
        assert replay.structured_content["error"]["code"] == "confirmation_not_found"
    assert await _order_count(shop, demo) == 1


async def test_only_the_shopper_answers_a_confirmation_and_only_once(
    shop: Container,
    tokens: TokenPair,
    demo: Actor,
    client: httpx.AsyncClient,
    shopper: dict[str, str],
) -> None:
    async for mcp_client in _in_memory(shop, tokens):
        place = await _ready_to_place(mcp_client)
        asked = (await mcp_client.call_tool("place_order", place)).structured_content
        url = f"/confirmations/{asked['confirmation_id']}"
        admin = await shop.users.login(
            LoginIn(email="admin@domtok.local", password="admin-password-123")
        )
        intruder = {"Authorization": f"Bearer {admin.access_token}"}
        assert (await client.post(f"{url}/approve", headers=intruder)).status_code == 404
        assert (await client.get(url, headers=intruder)).status_code == 404
        assert (await client.post(f"{url}/approve")).status_code == 401

        waiting = (await client.get("/confirmations", headers=shopper)).json()
        assert [(c["id"], c["tool"], c["status"]) for c in waiting] == [
            (asked["confirmation_id"], "place_order", "pending")
        ]
        assert waiting[0]["summary"] == asked["summary"]
        rejected = await client.post(f"{url}/reject", headers=shopper)
        assert rejected.json()["status"] == "rejected"
        again = await client.post(f"{url}/approve", headers=shopper)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "confirmation_already_decided"
        assert (await client.get("/confirmations", headers=shopper)).json() == []

        retry = {**place, "confirmation_id": asked["confirmation_id"]}
        declined = await mcp_client.call_tool("place_order", retry)
        assert declined.structured_content["error"]["code"] == "declined_by_shopper"
    assert await _order_count(shop, demo) == 0


class Person:
    """The person at an MCP host who answers elicitation forms."""

    def __init__(self, answer: types.ElicitResult) -> None:
        self.answer = answer
        self.asked: list[types.ElicitRequestParams] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        """Record the form and answer it."""
        self.asked.append(params)
        return self.answer


async def test_a_client_with_elicitation_asks_the_person_and_runs_once(
    shop: Container, tokens: TokenPair, demo: Actor
) -> None:
    yes = Person(types.ElicitResult(action="accept", content={"approve": True}))
    async for mcp_client in _in_memory(shop, tokens, elicitation_callback=yes):
        place = await _ready_to_place(mcp_client)
        placed = await mcp_client.call_tool("place_order", place)
        assert placed.structured_content["status"] == "pending_payment"
    (form,) = yes.asked
    assert isinstance(form, types.ElicitRequestFormParams)
    assert "place order" in form.message
    assert "T-Shirt" in form.message
    assert form.requested_schema["required"] == ["approve"]
    assert await _order_count(shop, demo) == 1


@pytest.mark.parametrize(
    "answer",
    [
        types.ElicitResult(action="decline"),
        types.ElicitResult(action="cancel"),
        types.ElicitResult(action="accept", content={"approve": False}),
    ],
    ids=["decline", "cancel", "unticked"],
)
async def test_an_elicitation_without_a_yes_runs_nothing(
    shop: Container, tokens: TokenPair, demo: Actor, answer: types.ElicitResult
) -> None:
    person = Person(answer)
    async for mcp_client in _in_memory(shop, tokens, elicitation_callback=person):
        place = await _ready_to_place(mcp_client)
        refused = await mcp_client.call_tool("place_order", place)
        assert refused.structured_content["error"]["code"] == "declined_by_shopper"
    assert len(person.asked) == 1
    assert await _order_count(shop, demo) == 0
