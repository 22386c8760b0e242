"""The authorization matrix through the agent's tools.

Tools take the acting user from the run's context, never from arguments; so a tool called with
another user's order, address or payment method id — alone, or mixed with the caller's own
order — answers not-found, asks no confirmation and changes nothing. The owner making the same
calls is the positive control: reads succeed and COMMIT calls stop for confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent.chat import ChatService
from agent.schemas import ChatResponse
from agent.scripted import ReplayScript
from config.settings import Settings
from services.bootstrap import Container
from services.kernel.actor import Actor
from tests.reliability.world import World, snapshot
from tools.base import ToolKind
from tools.registry import TOOLS, TOOLS_BY_NAME

Args = Callable[[World], dict[str, Any]]

# Arguments naming a resource: a new tool with one must get rows below.
ID_ARGUMENTS = {"order_id", "address_id", "payment_method_id", "variant_id", "items",
                "cart_variant_ids", "product_id", "code", "payment_token"}  # fmt: skip

# Tools that take an id but act on public data (catalog, coupon codes) or the caller's own cart.
PUBLIC_ID_TOOLS = {"get_product", "add_to_cart", "claim_coupon"}


def _swap(w: World) -> list[dict[str, str]]:
    return [{"variant_id": w.variant_id, "new_variant_id": w.variant2_id}]


# (tool, what the arguments name, arguments): each must be not-found for another user.
ATTACKS: list[tuple[str, str, Args]] = [
    ("get_order", "owner's order", lambda w: {"order_id": w.pending_order_id}),
    ("cancel_order", "owner's order", lambda w: {"order_id": w.paid_order_id}),
    (
        "change_order_address",
        "owner's order and address",
        lambda w: {"order_id": w.pending_order_id, "address_id": w.owner.address_id},
    ),
    (
        "change_order_address",
        "own order, owner's address",
        lambda w: {"order_id": w.other_pending_order_id, "address_id": w.owner.address_id},
    ),
    (
        "change_order_payment_method",
        "owner's order",
        lambda w: {"order_id": w.pending_order_id, "payment_method_id": w.other.card_id},
    ),
    (
        "change_order_payment_method",
        "own order, owner's card",
        lambda w: {"order_id": w.other_pending_order_id, "payment_method_id": w.owner.card_id},
    ),
    (
        "swap_order_items",
        "owner's order",
        lambda w: {"order_id": w.paid_order_id, "items": _swap(w)},
    ),
    (
        "swap_order_items",
        "own order, owner's card",
        lambda w: {
            "order_id": w.other_pending_order_id,
            "items": _swap(w),
            "payment_method_id": w.owner.card_id,
        },
    ),
    (
        "request_return",
        "owner's order",
        lambda w: {"order_id": w.delivered_order_id, "items": [{"variant_id": w.variant_id}]},
    ),
    (
        "request_return",
        "own order, refund to owner's card",
        lambda w: {
            "order_id": w.other_delivered_order_id,
            "items": [{"variant_id": w.variant_id}],
            "payment_method_id": w.owner.card_id,
        },
    ),
    (
        "request_exchange",
        "owner's order",
        lambda w: {
            "order_id": w.delivered_order_id,
            "items": [{"variant_id": w.variant_id, "new_variant_id": w.variant2_id}],
        },
    ),
    (
        "request_exchange",
        "own order, owner's card",
        lambda w: {
            "order_id": w.other_delivered_order_id,
            "items": [{"variant_id": w.variant_id, "new_variant_id": w.variant2_id}],
            "payment_method_id": w.owner.card_id,
        },
    ),
    ("get_payment_token", "owner's order", lambda w: {"order_id": w.pending_order_id}),
    (
        "pay_order",
        "owner's order, card and token",
        lambda w: {
            "order_id": w.pending_order_id,
            "payment_method_id": w.owner.card_id,
            "payment_token": w.payment_token,
        },
    ),
    (
        "pay_order",
        "own order, owner's card",
        lambda w: {
            "order_id": w.other_pending_order_id,
            "payment_method_id": w.owner.card_id,
            "payment_token": w.payment_token,
        },
    ),
    ("place_order", "owner's address", lambda w: {"address_id": w.owner.address_id}),
    (
        "set_cart_quantity",
        "owner's cart line",
        lambda w: {"variant_id": w.variant2_id, "quantity": 5},
    ),
    ("remove_from_cart", "owner's cart line", lambda w: {"variant_id": w.variant2_id}),
]

# The owner's own calls: reads and cart changes succeed, COMMIT calls wait for a yes.
CONTROLS: list[tuple[str, Args]] = [
    ("get_order", lambda w: {"order_id": w.pending_order_id}),
    ("get_payment_token", lambda w: {"order_id": w.pending_order_id}),
    ("set_cart_quantity", lambda w: {"variant_id": w.variant2_id, "quantity": 3}),
    ("cancel_order", lambda w: {"order_id": w.paid_order_id}),
    (
        "change_order_address",
        lambda w: {"order_id": w.pending_order_id, "address_id": w.owner.address_id},
    ),
    ("place_order", lambda w: {"address_id": w.owner.address_id}),
    (
        "pay_order",
        lambda w: {
            "order_id": w.pending_order_id,
            "payment_method_id": w.owner.card_id,
            "payment_token": w.payment_token,
        },
    ),
    (
        "request_return",
        lambda w: {"order_id": w.delivered_order_id, "items": [{"variant_id": w.variant_id}]},
    ),
]


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


async def run_tool(
    chat: ChatService, script: ReplayScript, actor: Actor, tool: str, args: dict[str, Any]
) -> ChatResponse:
    """One turn in which the model calls ``tool`` with ``args``."""
    script.steps[:] = [{"call": [{"name": tool, "args": args}]}, {"say": "Done."}]
    run = await chat.start_message(actor, f"please {tool}", None)
    return await run.response()


def test_every_tool_taking_an_id_is_attacked() -> None:
    attacked = {name for name, _, _ in ATTACKS}
    for tool in TOOLS:
        takes_id = set(tool.tool_call_schema.model_fields) & ID_ARGUMENTS
        if takes_id and tool.name not in PUBLIC_ID_TOOLS:
            assert tool.name in attacked, f"{tool.name} takes {takes_id} but is never attacked"


@pytest.mark.parametrize("attacker", ["other", "merchant_b"])
@pytest.mark.parametrize(
    ("tool", "target", "args"), ATTACKS, ids=[f"{tool}: {target}" for tool, target, _ in ATTACKS]
)
async def test_a_tool_never_reaches_another_users_resource(
    chat: ChatService,
    script: ReplayScript,
    container: Container,
    world: World,
    attacker: str,
    tool: str,
    target: str,
    args: Args,
) -> None:
    who = world.other.who if attacker == "other" else world.merchant_b
    role = "customer" if attacker == "other" else "merchant"
    before = await snapshot(container)

    response = await run_tool(chat, script, Actor(who.user_id, role), tool, args(world))

    assert response.pending_confirmation is None, "a confirmation was asked for a foreign id"
    (outcome,) = response.tool_calls
    assert outcome.error is not None, f"{tool} answered {outcome.result!r}"
    assert str(outcome.error["code"]).endswith("not_found"), outcome.error
    assert await snapshot(container) == before


@pytest.mark.parametrize(("tool", "args"), CONTROLS, ids=[tool for tool, _ in CONTROLS])
async def test_the_owner_reaches_the_same_resources(
    chat: ChatService,
    script: ReplayScript,
    container: Container,
    world: World,
    tool: str,
    args: Args,
) -> None:
    before = await snapshot(container)
    actor = Actor(world.owner.user_id, "customer")

    response = await run_tool(chat, script, actor, tool, args(world))

    if TOOLS_BY_NAME[tool].kind is ToolKind.COMMIT:
        assert response.pending_confirmation is not None, response
        assert response.pending_confirmation.tool == tool
        assert await snapshot(container) == before, "a COMMIT ran before its confirmation"
    else:
        (outcome,) = response.tool_calls
        assert outcome.error is None, outcome.error
