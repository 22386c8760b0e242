"""COMMIT calls run only after the shopper approves that exact call; everything else is told to
the model and changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent.chat import ChatService, ConfirmationMismatch, NoPendingConfirmation
from services.bootstrap import Container
from services.kernel.pagination import PageRequest
from services.orders.schemas import OrderItemIn, PlaceOrderIn
from tests.agent.conftest import (
    Shop,
    answer,
    call,
    paid_order,
    pending_order,
    say,
    scripted,
    send,
)


def _echo_last_result(messages: Sequence[BaseMessage]) -> AIMessage:
    last = messages[-1]
    assert isinstance(last, ToolMessage)
    return AIMessage(content=f"saw: {last.content}")


async def _orders(container: Container, shop: Shop) -> int:
    page = await container.orders.list(shop.alice, PageRequest())
    return page.total


async def test_approving_runs_exactly_the_confirmed_call(container: Container, shop: Shop) -> None:
    await container.carts.add_item(shop.alice, shop.small, 2)
    model = scripted([call("place_order", address_id=shop.alice_address), say("placed")])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "buy what is in my cart")
        pending = paused.pending_confirmation
        assert pending is not None
        assert pending.tool == "place_order"
        assert pending.args == {"address_id": shop.alice_address}
        assert pending.summary["items"] == [
            {
                "product": "Trail Boots",
                "options": {"size": "S"},
                "quantity": 2,
                "line_total": "$100.00",
            }
        ]
        assert pending.summary["cart_total"] == "$100.00"
        assert "Springfield" in pending.summary["ship_to"]
        assert await _orders(container, shop) == 0

        done = await answer(chat, shop.alice, paused, approve=True)
    assert done.reply == "placed"
    assert done.tool_calls[0].result["status"] == "pending_payment"
    assert await _orders(container, shop) == 1


async def test_rejection_is_told_to_the_model_and_changes_nothing(
    container: Container, shop: Shop
) -> None:
    order_id = await paid_order(container, shop, shop.small)
    model = scripted([call("cancel_order", order_id=order_id), _echo_last_result])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "cancel it")
        assert paused.pending_confirmation is not None
        assert paused.pending_confirmation.summary["order_id"] == order_id
        assert paused.pending_confirmation.summary["amount_paid"] == "$50.00"
        done = await answer(chat, shop.alice, paused, approve=False)
    assert "declined_by_shopper" in done.reply
    assert done.tool_calls[0].error == {
        "code": "declined_by_shopper",
        "message": "The shopper declined; cancel_order was not run and nothing changed.",
    }
    assert (await container.orders.get(shop.alice, order_id)).status == "paid"


async def test_a_different_or_missing_confirmation_is_refused(
    container: Container, shop: Shop
) -> None:
    order_id = await pending_order(container, shop, shop.small)
    async with ChatService.open(container, model=scripted([say("hi")])) as chat:
        with_nothing = await send(chat, shop.alice, "hello")
        with pytest.raises(NoPendingConfirmation):
            await chat.start_confirm(shop.alice, with_nothing.thread_id, "cf_x", True)

    model = scripted([call("cancel_order", order_id=order_id), say("ok")])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "cancel")
        with pytest.raises(ConfirmationMismatch):
            await chat.start_confirm(shop.alice, paused.thread_id, "cf_forged", True)
        detail = await chat.get_thread(shop.alice, paused.thread_id)
    assert detail.pending_confirmation == paused.pending_confirmation
    assert (await container.orders.get(shop.alice, order_id)).status == "pending_payment"


async def test_a_pending_confirmation_survives_a_restart(container: Container, shop: Shop) -> None:
    order_id = await pending_order(container, shop, shop.small)
    steps = [call("cancel_order", order_id=order_id, reason="restart"), say("cancelled")]
    async with ChatService.open(container, model=scripted(steps)) as chat:
        paused = await send(chat, shop.alice, "cancel my order")
    assert paused.pending_confirmation is not None

    # A new process: new graph, new model, same checkpoint file.
    async with ChatService.open(container, model=scripted(steps)) as restarted:
        detail = await restarted.get_thread(shop.alice, paused.thread_id)
        assert detail.pending_confirmation == paused.pending_confirmation
        done = await answer(restarted, shop.alice, paused, approve=True)
    assert done.reply == "cancelled"
    assert (await container.orders.get(shop.alice, order_id)).status == "cancelled"


async def test_several_commit_calls_are_confirmed_one_at_a_time(
    container: Container, shop: Shop
) -> None:
    first = await pending_order(container, shop, shop.small)
    second = await pending_order(container, shop, shop.large)
    both = {
        "call": [
            {"name": "cancel_order", "args": {"order_id": first}},
            {"name": "view_cart", "args": {}},
            {"name": "cancel_order", "args": {"order_id": second}},
        ]
    }
    model = scripted([both, say("handled")])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "cancel both")
        assert paused.pending_confirmation is not None
        assert paused.pending_confirmation.args["order_id"] == first
        next_one = await answer(chat, shop.alice, paused, approve=True)
        assert next_one.pending_confirmation is not None
        assert next_one.pending_confirmation.args["order_id"] == second
        assert next_one.pending_confirmation.id != paused.pending_confirmation.id
        assert [c.name for c in next_one.tool_calls] == ["cancel_order", "view_cart"]
        done = await answer(chat, shop.alice, next_one, approve=False)
    assert done.reply == "handled"
    assert (await container.orders.get(shop.alice, first)).status == "cancelled"
    assert (await container.orders.get(shop.alice, second)).status == "pending_payment"


async def test_a_new_message_instead_of_an_answer_declines_the_pending_call(
    container: Container, shop: Shop
) -> None:
    order_id = await pending_order(container, shop, shop.small)
    model = scripted([call("cancel_order", order_id=order_id), say("never mind then")])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "cancel it")
        moved_on = await send(chat, shop.alice, "actually, keep it", paused.thread_id)
        detail = await chat.get_thread(shop.alice, paused.thread_id)
    assert moved_on.reply == "never mind then"
    assert detail.pending_confirmation is None
    tool_messages = [m for m in detail.messages if m.role == "tool"]
    assert tool_messages[0].error is not None
    assert tool_messages[0].error["code"] == "superseded"
    assert (await container.orders.get(shop.alice, order_id)).status == "pending_payment"


async def test_an_approval_of_details_that_changed_since_does_not_run(
    container: Container, shop: Shop
) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)
    model = scripted([call("place_order", address_id=shop.alice_address), _echo_last_result])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "checkout")
        # The cart changes between the question and the answer: the shopper approved one
        # boot, not three.
        await container.carts.set_quantity(shop.alice, shop.small, 3)
        done = await answer(chat, shop.alice, paused, approve=True)
    assert "confirmation_stale" in done.reply
    assert await _orders(container, shop) == 0


async def test_a_commit_on_an_unknown_order_is_refused_without_asking(
    container: Container, shop: Shop
) -> None:
    bobs = await container.orders.place(
        shop.bob,
        PlaceOrderIn(address_id=shop.bob_address, items=[OrderItemIn(variant_id=shop.small)]),
    )
    model = scripted(
        [
            call("cancel_order", order_id="ord_invented"),
            call("cancel_order", order_id=bobs.id),
            say("could not"),
        ]
    )
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.alice, "cancel")
    assert response.pending_confirmation is None
    assert [c.error["code"] for c in response.tool_calls if c.error] == [
        "order_not_found",
        "order_not_found",
    ]
    assert (await container.orders.get(shop.bob, bobs.id)).status == "pending_payment"


async def test_payment_summary_shows_order_amount_and_method(
    container: Container, shop: Shop
) -> None:
    order_id = await pending_order(container, shop, shop.large, quantity=2)
    token = await container.payments.issue_token(shop.alice, order_id)
    pay = call(
        "pay_order",
        order_id=order_id,
        payment_method_id=shop.alice_card,
        payment_token=token.payment_token,
    )
    async with ChatService.open(container, model=scripted([pay, say("paid")])) as chat:
        paused = await send(chat, shop.alice, "pay")
        assert paused.pending_confirmation is not None
        summary = paused.pending_confirmation.summary
        assert summary["order_id"] == order_id
        assert summary["charge"] == "$110.00"
        assert "4242" in summary["payment_method"]
        assert (await container.orders.get(shop.alice, order_id)).status == "pending_payment"
        done = await answer(chat, shop.alice, paused, approve=True)
    assert done.tool_calls[0].result["status"] == "paid"
