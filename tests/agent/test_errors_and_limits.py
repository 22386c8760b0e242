"""Failures end a turn gracefully: shop errors are explained, surprises become an apology,
and runaway tool use stops at the limits with a message."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent.chat import ChatService
from agent.context import AgentLimits
from agent.prompts import reply_text
from agent.schemas import ChatResponse
from agent.scripted import ScriptedChatModel, assistant_turns, make_message
from services.bootstrap import Container
from tests.agent.conftest import Shop, call, say, scripted, send


class CallsForever:
    """A model that never stops calling view_cart."""

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        return make_message({"call": [{"name": "view_cart"}]}, assistant_turns(messages))


class Broken:
    """A model whose backend fails."""

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        raise ConnectionError("model server unreachable")


def _echo(messages: Sequence[BaseMessage]) -> AIMessage:
    last = messages[-1]
    assert isinstance(last, ToolMessage)
    return AIMessage(content=f"saw: {last.content}")


async def test_shop_errors_reach_the_model_with_code_and_message(
    container: Container, shop: Shop
) -> None:
    model = scripted([call("add_to_cart", variant_id=shop.sold_out, quantity=1), _echo])
    async with ChatService.open(container, model=model) as chat:
        response = await send(chat, shop.alice, "add the XL")
    error = response.tool_calls[0].error
    assert error is not None
    assert error["code"] == "insufficient_stock"
    assert error["message"] in response.reply
    assert '"code":"insufficient_stock"' in response.reply


async def test_an_unexpected_tool_failure_ends_the_turn_with_an_apology(
    container: Container,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(*_: object) -> None:
        raise RuntimeError("secret detail: connection string postgres://admin:pw@db")

    monkeypatch.setattr(container.carts, "view", explode)
    model = scripted([call("view_cart"), say("unused: the apology takes this turn"), say("hi")])
    async with ChatService.open(container, model=model) as chat:
        run = await chat.start_message(shop.alice, "my cart", None)
        events = [event async for event in run.events()]
        response = ChatResponse.model_validate(events[-1].data)
        follow_up = await send(chat, shop.alice, "hello again", response.thread_id)
    assert response.reply == reply_text("apology", "my cart")
    assert response.tool_calls[0].error == {
        "code": "internal_error",
        "message": "The action failed on the shop's side.",
    }
    assert "secret" not in response.model_dump_json()
    streamed = "".join(e.data["text"] for e in events if e.event == "token")
    assert streamed == response.reply
    assert "tool view_cart failed unexpectedly" in caplog.text
    assert "RuntimeError" in caplog.text
    # The thread is still well-formed: the next turn runs normally.
    assert follow_up.reply == "hi"


async def test_a_failing_model_gets_an_apology_in_the_shoppers_language(
    container: Container, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    async with ChatService.open(container, model=ScriptedChatModel(script=Broken())) as chat:
        english = await send(chat, shop.alice, "hello")
        chinese = await send(chat, shop.alice, "你好")
    assert english.reply == reply_text("apology", "hello")
    assert chinese.reply == reply_text("apology", "你好")
    assert "抱歉" in chinese.reply
    assert "the model call failed" in caplog.text
    assert "unreachable" not in english.reply


async def test_the_tool_call_cap_ends_the_turn_with_a_message(
    container: Container, shop: Shop
) -> None:
    async with ChatService.open(container, model=ScriptedChatModel(script=CallsForever())) as chat:
        chat.limits = AgentLimits(max_tool_calls=3, recursion_limit=50)
        response = await send(chat, shop.alice, "look at my cart a lot")
        again = await send(chat, shop.alice, "and again", response.thread_id)
    assert len(response.tool_calls) == 3
    assert response.reply == reply_text("limit", "look")
    # The count starts over with each shopper message.
    assert len(again.tool_calls) == 3


async def test_the_recursion_limit_ends_the_turn_with_a_message(
    container: Container, shop: Shop
) -> None:
    async with ChatService.open(container, model=ScriptedChatModel(script=CallsForever())) as chat:
        chat.limits = AgentLimits(max_tool_calls=50, recursion_limit=6)
        response = await send(chat, shop.alice, "看看购物车")
        detail = await chat.get_thread(shop.alice, response.thread_id)
    assert response.reply == reply_text("limit", "看看购物车")
    assert 1 <= len(response.tool_calls) <= 3
    calls = sum(len(m.tool_calls or []) for m in detail.messages if m.role == "assistant")
    results = sum(1 for m in detail.messages if m.role == "tool")
    assert calls == results


async def test_unknown_tools_and_malformed_arguments_are_reported(
    container: Container, shop: Shop
) -> None:
    unknown = AIMessage(content="", tool_calls=[{"name": "steal_money", "args": {}, "id": "c1"}])
    malformed = AIMessage(
        content="",
        invalid_tool_calls=[
            {"name": "add_to_cart", "args": "{variant_id: ", "id": "c2", "error": "bad json"}
        ],
    )
    async with ChatService.open(container, model=scripted([unknown, malformed, say("ok")])) as chat:
        response = await send(chat, shop.alice, "do things")
    codes = [c.error["code"] for c in response.tool_calls if c.error]
    assert codes == ["unknown_tool", "invalid_arguments"]
    assert "search_products" in response.tool_calls[0].error["message"]
    assert response.reply == "ok"
