"""The scripted demo model drives real shopping flows: search, add, checkout, pay, cancel."""

from __future__ import annotations

from agent.chat import ChatService
from agent.demo_script import DemoScript
from agent.scripted import ScriptedChatModel
from services.bootstrap import Container
from tests.agent.conftest import Shop, answer, pending_order, send


def demo() -> ScriptedChatModel:
    return ScriptedChatModel(script=DemoScript())


async def test_search_with_a_price_ceiling(container: Container, shop: Shop) -> None:
    async with ChatService.open(container, model=demo()) as chat:
        cheap = await send(chat, shop.alice, "search boots under 40")
        found = await send(chat, shop.alice, "find boots under $60")
    assert cheap.tool_calls[0].args == {"query": "boots", "max_price": "40"}
    assert cheap.tool_calls[0].result["total"] == 0
    assert found.tool_calls[0].result["items"][0]["id"] == shop.product_id
    assert "Trail Boots" in found.reply


async def test_add_by_name_then_checkout_and_pay(container: Container, shop: Shop) -> None:
    async with ChatService.open(container, model=demo()) as chat:
        added = await send(chat, shop.alice, "add 2 trail boots to my cart")
        assert [c.name for c in added.tool_calls] == [
            "search_products",
            "get_product",
            "add_to_cart",
        ]
        assert added.tool_calls[-1].args == {"variant_id": shop.small, "quantity": 2}

        paused = await send(chat, shop.alice, "checkout with coupon save5", added.thread_id)
        assert paused.pending_confirmation is not None
        assert paused.pending_confirmation.args["coupon_code"] == "SAVE5"
        await container.coupons.claim(shop.alice, "SAVE5")
        placed = await answer(chat, shop.alice, paused, approve=True)
        order = placed.tool_calls[-1].result
        assert order["total"]["formatted"] == "$95.00"

        paying = await send(chat, shop.alice, "pay", added.thread_id)
        assert paying.pending_confirmation is not None
        assert paying.pending_confirmation.args["payment_method_id"] == shop.alice_paypal
        paid = await answer(chat, shop.alice, paying, approve=True)
    assert paid.tool_calls[-1].result["status"] == "paid"
    assert "paid" in paid.reply


async def test_cancel_asks_first_and_declining_keeps_the_order(
    container: Container, shop: Shop
) -> None:
    order_id = await pending_order(container, shop, shop.large)
    async with ChatService.open(container, model=demo()) as chat:
        paused = await send(chat, shop.alice, f"cancel {order_id}")
        declined = await answer(chat, shop.alice, paused, approve=False)
    assert "nothing changed" in declined.reply
    assert (await container.orders.get(shop.alice, order_id)).status == "pending_payment"


async def test_chinese_requests_get_chinese_replies(container: Container, shop: Shop) -> None:
    async with ChatService.open(container, model=demo()) as chat:
        cart = await send(chat, shop.alice, "看看我的购物车")
        unknown = await send(chat, shop.alice, "你好")
    assert cart.tool_calls[0].name == "view_cart"
    assert cart.reply.startswith("好的")
    assert "购物车" in unknown.reply
    assert unknown.tool_calls == []


async def test_unrecognised_requests_get_help_without_tool_calls(
    container: Container, shop: Shop
) -> None:
    async with ChatService.open(container, model=demo()) as chat:
        response = await send(chat, shop.alice, "hello there")
    assert response.tool_calls == []
    assert "search" in response.reply
