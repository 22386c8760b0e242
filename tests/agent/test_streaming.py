"""The event stream: tool activity as it happens, reply tokens, confirmations, then done."""

from __future__ import annotations

from agent.chat import ChatService
from agent.context import AgentLimits
from agent.events import ChatEvent
from services.bootstrap import Container
from tests.agent.conftest import Shop, call, say, scripted


async def _events(chat: ChatService, shop: Shop, message: str) -> list[ChatEvent]:
    run = await chat.start_message(shop.alice, message, None)
    return [event async for event in run.events()]


async def test_events_come_in_order_and_tokens_add_up_to_the_reply(
    container: Container, shop: Shop
) -> None:
    model = scripted([call("view_cart"), say("Your cart is empty, shall I find boots?")])
    async with ChatService.open(container, model=model) as chat:
        events = await _events(chat, shop, "my cart")
    names = [event.event for event in events]
    assert names[:2] == ["tool_call", "tool_result"]
    assert names[-1] == "done"
    tokens = [event.data["text"] for event in events if event.event == "token"]
    assert len(tokens) > 1
    assert "".join(tokens) == events[-1].data["reply"]
    assert events[0].data["name"] == "view_cart"
    assert events[1].data["id"] == events[0].data["id"]
    assert events[1].data["result"]["lines"] == []


async def test_a_confirmation_is_announced_before_done(container: Container, shop: Shop) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)
    model = scripted([call("place_order", address_id=shop.alice_address)])
    async with ChatService.open(container, model=model) as chat:
        events = await _events(chat, shop, "checkout")
    names = [event.event for event in events]
    assert names == ["tool_call", "confirmation_required", "done"]
    assert events[-1].data["pending_confirmation"] == events[1].data


async def test_replies_written_by_the_graph_are_streamed_too(
    container: Container, shop: Shop
) -> None:
    async with ChatService.open(container, model=scripted([call("view_cart")] * 20)) as chat:
        chat.limits = AgentLimits(max_tool_calls=1, recursion_limit=25)
        events = await _events(chat, shop, "loop")
    tokens = "".join(event.data["text"] for event in events if event.event == "token")
    assert tokens == events[-1].data["reply"]
    assert "limit" in tokens or "steps" in tokens
