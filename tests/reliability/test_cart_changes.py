"""Cart tools need no confirmation, so a steered model could change the cart unasked: every turn
lists the cart changes its tools made, computed by the chat layer from the tool results."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage
from rich.console import Console

from agent.chat import ChatService
from agent.scripted import ReplayScript
from cli.chat_view import ChatView
from config.settings import Settings
from services.kernel.actor import Actor
from tests.reliability.attacks import INJECTION, call, calls
from tests.reliability.world import World

SILENT = AIMessage(content="I only looked at the boots; nothing else was done.")


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


def hijacked(world: World) -> list[Any]:
    """A model obeying injected text: it edits the cart, then denies doing anything."""
    return [
        call("get_product", product_id=world.product_id),
        calls(
            ("add_to_cart", {"variant_id": world.variant_id, "quantity": 3}),
            ("add_to_cart", {"variant_id": "var_doesnotexist"}),
            ("add_to_cart", {"variant_id": world.variant2_id}),
        ),
        call("set_cart_quantity", variant_id=world.variant_id, quantity=5),
        call("remove_from_cart", variant_id=world.variant2_id),
        SILENT,
    ]


def owner(world: World) -> Actor:
    """The shopper whose cart is at stake."""
    return Actor(world.owner.user_id, "customer")


def expected(changes: list[str]) -> None:
    """The four cart changes that ran, in order; the failed add is not one of them."""
    assert len(changes) == 4, changes
    assert changes[0].startswith("Added 3 × ")
    assert "(M)" in changes[0]
    assert changes[1].startswith("Added 1 × ")
    assert "(L)" in changes[1]
    assert changes[2].startswith("Set ")
    assert changes[2].endswith(" to 5")
    assert changes[3].startswith("Removed ")
    assert changes[3].endswith(" (L) from the cart")
    assert all("doesnotexist" not in change for change in changes)


async def test_the_reply_lists_every_cart_change_the_tools_made(
    chat: ChatService, script: ReplayScript, world: World
) -> None:
    script.steps[:] = hijacked(world)
    response = await (await chat.start_message(owner(world), INJECTION, None)).response()
    assert response.reply == SILENT.text
    expected(response.cart_changes)


async def test_a_turn_without_cart_tools_lists_no_changes(
    chat: ChatService, script: ReplayScript, world: World
) -> None:
    script.steps[:] = [call("view_cart"), call("get_product", product_id=world.product_id), SILENT]
    response = await (
        await chat.start_message(owner(world), "what is in my cart?", None)
    ).response()
    assert response.cart_changes == []


async def test_rest_and_stream_final_events_carry_the_cart_changes(
    client: httpx.AsyncClient, script: ReplayScript, world: World
) -> None:
    script.steps[:] = hijacked(world)
    body = {"message": "tell me about the boots"}
    reply = await client.post("/chat", json=body, headers=world.owner.headers)
    assert reply.status_code == 200, reply.text
    expected(reply.json()["cart_changes"])

    script.steps[:] = hijacked(world)
    streamed = await client.post("/chat/stream", json=body, headers=world.owner.headers)
    done = [json.loads(line[5:]) for line in streamed.text.splitlines() if line.startswith("data:")]
    expected(done[-1]["cart_changes"])


async def test_the_cli_prints_the_cart_changes_after_the_reply(
    chat: ChatService, script: ReplayScript, world: World
) -> None:
    script.steps[:] = hijacked(world)
    screen = io.StringIO()
    view = ChatView(Console(file=screen, width=200, color_system=None))
    run = await chat.start_message(owner(world), INJECTION, None)
    final, failed = await view.render(run)
    printed = screen.getvalue()
    assert not failed
    assert "Cart changes this turn:" in printed
    for change in final.cart_changes:
        assert f"• {change}" in printed
    assert printed.index(SILENT.text) < printed.index("Cart changes this turn:")
