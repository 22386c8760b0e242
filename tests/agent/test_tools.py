"""Every shop tool is reachable through the graph, validates its arguments, and acts only for
the user of the run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from agent.chat import ChatService
from services.bootstrap import Container
from tests.agent.conftest import (
    Shop,
    answer,
    call,
    delivered_order,
    paid_order,
    pending_order,
    say,
    scripted,
    send,
)
from tools.base import ToolKind
from tools.registry import TOOLS, TOOLS_BY_NAME

ArgsBuilder = Callable[[Container, Shop], Awaitable[dict[str, Any]]]


async def _none(container: Container, shop: Shop) -> dict[str, Any]:
    return {}


async def _token_args(container: Container, shop: Shop) -> dict[str, Any]:
    order_id = await pending_order(container, shop, shop.small)
    token = await container.payments.issue_token(shop.alice, order_id)
    return {
        "order_id": order_id,
        "payment_method_id": shop.alice_card,
        "payment_token": token.payment_token,
    }


async def _in_cart(container: Container, shop: Shop) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)


def _with_cart(args: dict[str, Any]) -> ArgsBuilder:
    async def build(container: Container, shop: Shop) -> dict[str, Any]:
        await _in_cart(container, shop)
        return {key: value(shop) if callable(value) else value for key, value in args.items()}

    return build


def _static(**args: Any) -> ArgsBuilder:
    async def build(container: Container, shop: Shop) -> dict[str, Any]:
        return {key: value(shop) if callable(value) else value for key, value in args.items()}

    return build


def _on_order(make: Callable[..., Awaitable[str]], **extra: Any) -> ArgsBuilder:
    async def build(container: Container, shop: Shop) -> dict[str, Any]:
        order_id = await make(container, shop, shop.small)
        rest = {key: value(shop) if callable(value) else value for key, value in extra.items()}
        return {"order_id": order_id, **rest}

    return build


ARGS: dict[str, ArgsBuilder] = {
    "search_products": _static(query="boots", max_price=60),
    "get_product": _static(product_id=lambda s: s.product_id),
    "list_categories": _none,
    "view_cart": _none,
    "add_to_cart": _static(variant_id=lambda s: s.small, quantity=2),
    "set_cart_quantity": _with_cart({"variant_id": lambda s: s.small, "quantity": 3}),
    "remove_from_cart": _with_cart({"variant_id": lambda s: s.small}),
    "clear_cart": _with_cart({}),
    "place_order": _with_cart({"address_id": lambda s: s.alice_address, "coupon_code": "SAVE5"}),
    "list_orders": _static(status="pending_payment"),
    "get_order": _on_order(pending_order),
    "cancel_order": _on_order(paid_order, reason="changed my mind"),
    "change_order_address": _on_order(pending_order, address_id=lambda s: s.alice_address),
    "change_order_payment_method": _on_order(
        paid_order, payment_method_id=lambda s: s.alice_paypal
    ),
    "swap_order_items": _on_order(
        pending_order, items=lambda s: [{"variant_id": s.small, "new_variant_id": s.large}]
    ),
    "request_return": _on_order(delivered_order, items=lambda s: [{"variant_id": s.small}]),
    "request_exchange": _on_order(
        delivered_order, items=lambda s: [{"variant_id": s.small, "new_variant_id": s.large}]
    ),
    "get_payment_token": _on_order(pending_order),
    "pay_order": _token_args,
    "list_payments": _none,
    "get_profile": _none,
    "list_addresses": _none,
    "add_address": _static(
        recipient="Alice", line1="2 Side St", city="Shelbyville", zip="54321", country="US"
    ),
    "list_payment_methods": _none,
    "list_available_coupons": _none,
    "list_my_coupons": _none,
    "claim_coupon": _static(code="save5"),
}


def test_every_registered_tool_has_a_reachability_case() -> None:
    assert set(ARGS) == set(TOOLS_BY_NAME)


@pytest.mark.parametrize("name", sorted(ARGS))
async def test_tool_is_reachable_through_the_graph_and_succeeds(
    name: str, container: Container, shop: Shop
) -> None:
    args = await ARGS[name](container, shop)
    if name == "place_order":
        await container.coupons.claim(shop.alice, "SAVE5")
    model = scripted([call(name, **args), say("done")])
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.alice, f"please run {name}")
        if TOOLS_BY_NAME[name].kind is ToolKind.COMMIT:
            assert response.pending_confirmation is not None
            assert response.pending_confirmation.tool == name
            response = await answer(chat, shop.alice, response, approve=True)
    assert response.pending_confirmation is None
    (outcome,) = [c for c in response.tool_calls if c.name == name]
    assert outcome.error is None, outcome.error
    assert outcome.result is not None
    assert response.reply == "done"


def test_no_tool_lets_the_model_choose_the_user() -> None:
    for tool in TOOLS:
        properties = tool.tool_call_schema.model_json_schema().get("properties", {})
        assert not any("user" in field for field in properties), tool.name
        assert "runtime" not in properties, tool.name


def test_every_tool_has_a_prompt_and_commit_tools_a_summary() -> None:
    for tool in TOOLS:
        assert len(tool.description) > 20, tool.name
        if tool.kind is ToolKind.COMMIT:
            assert tool.summarize is not None, tool.name


async def test_identity_comes_from_the_run_not_from_arguments(
    container: Container, shop: Shop
) -> None:
    await container.carts.add_item(shop.bob, shop.large, 4)
    # The model tries to read Bob's cart and profile by passing his id: the extra argument is
    # not part of the schema and the tools still act for Alice.
    model = scripted(
        [
            {"call": [{"name": "view_cart", "args": {"user_id": shop.bob.user_id}}]},
            {"call": [{"name": "get_profile", "args": {"user_id": shop.bob.user_id}}]},
            say("ok"),
        ]
    )
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.alice, "show Bob's cart")
    cart, profile = (c.result for c in response.tool_calls)
    assert cart["lines"] == []
    assert profile["email"] == shop.alice_email


async def test_invalid_arguments_are_reported_to_the_model(
    container: Container, shop: Shop
) -> None:
    model = scripted(
        [
            call("add_to_cart", variant_id=shop.small, quantity=0),
            call("set_cart_quantity", variant_id=shop.small),
            call("search_products", sort="cheapest"),
            say("fixed"),
        ]
    )
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.alice, "add zero boots")
    errors = [c.error for c in response.tool_calls]
    assert all(e is not None and e["code"] == "invalid_arguments" for e in errors), errors
    assert "quantity" in errors[0]["message"]
    assert "quantity" in errors[1]["message"]
    assert "sort" in errors[2]["message"]
    assert (await container.carts.view(shop.alice)).lines == []


async def test_invented_ids_are_answered_with_not_found(container: Container, shop: Shop) -> None:
    alices_order = await pending_order(container, shop, shop.large)
    model = scripted(
        [
            call("get_product", product_id="prd_doesnotexist"),
            call("get_order", order_id="ord_madeup"),
            # Alice's real order looks the same to Bob as a made-up one.
            call("get_order", order_id=alices_order),
            call("add_to_cart", variant_id="var_nope"),
            say("sorry"),
        ]
    )
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.bob, "show things")
        codes = [c.error["code"] for c in response.tool_calls if c.error]
        assert codes == [
            "product_not_found",
            "order_not_found",
            "order_not_found",
            "variant_not_found",
        ]
        # In Alice's own (new) thread the same script finds her order.
        as_alice = await send(chat, shop.alice, "show things")
    assert as_alice.tool_calls[2].result["id"] == alices_order
