"""Quantities the model passes to tools are JSON integers: ``true`` is not one unit.

Pydantic's lax mode turned ``true`` into 1 (and ``false`` into 0); the cart and order tools now
refuse a boolean quantity with a validation error and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent.chat import ChatService
from agent.scripted import ReplayScript
from config.settings import Settings
from services.bootstrap import Container
from services.kernel.actor import Actor
from tests.reliability.test_authz_tools import run_tool
from tests.reliability.world import World, snapshot

Args = Callable[[World], dict[str, Any]]

CALLS: list[tuple[str, Args]] = [
    ("add_to_cart", lambda w: {"variant_id": w.variant_id, "quantity": True}),
    ("set_cart_quantity", lambda w: {"variant_id": w.variant2_id, "quantity": True}),
    (
        "request_return",
        lambda w: {
            "order_id": w.delivered_order_id,
            "items": [{"variant_id": w.variant_id, "quantity": True}],
        },
    ),
    (
        "request_exchange",
        lambda w: {
            "order_id": w.delivered_order_id,
            "items": [
                {"variant_id": w.variant_id, "new_variant_id": w.variant2_id, "quantity": True}
            ],
        },
    ),
]


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


@pytest.mark.parametrize(("tool", "args"), CALLS, ids=[tool for tool, _ in CALLS])
async def test_a_boolean_quantity_is_refused_by_the_tool(
    chat: ChatService,
    script: ReplayScript,
    container: Container,
    world: World,
    tool: str,
    args: Args,
) -> None:
    before = await snapshot(container)
    owner = Actor(world.owner.user_id, "customer")
    response = await run_tool(chat, script, owner, tool, args(world))
    assert response.pending_confirmation is None
    (outcome,) = response.tool_calls
    assert outcome.error is not None, f"{tool} answered {outcome.result!r}"
    assert await snapshot(container) == before


async def test_an_integer_quantity_still_works(
    chat: ChatService, script: ReplayScript, world: World
) -> None:
    owner = Actor(world.owner.user_id, "customer")
    args = {"variant_id": world.variant_id, "quantity": 2}
    response = await run_tool(chat, script, owner, "add_to_cart", args)
    (outcome,) = response.tool_calls
    assert outcome.error is None, outcome.error
    lines = {line["variant_id"]: line["quantity"] for line in outcome.result["lines"]}
    assert lines[world.variant_id] >= 2
