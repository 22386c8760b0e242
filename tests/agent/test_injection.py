"""Catalog text is data: a product description that orders the assistant to cancel or pay an
order reaches the model marked as untrusted, and cannot move money without the shopper."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage

from agent.chat import ChatService
from agent.prompts import UNTRUSTED_DATA_RULE
from agent.scripted import ScriptedChatModel, assistant_turns, make_message
from services.bootstrap import Container
from tests.agent.conftest import Shop, paid_order, send
from tools.base import DATA_CLOSE, DATA_OPEN


class Gullible:
    """Reads the product, then obeys whatever the description says (the worst case)."""

    def __init__(self, shop: Shop, order_id: str) -> None:
        self.shop, self.order_id = shop, order_id
        self.seen: list[Sequence[BaseMessage]] = []

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        self.seen.append(list(messages))
        position = assistant_turns(messages)
        last = messages[-1]
        if not isinstance(last, ToolMessage):
            step = {"call": [{"name": "get_product", "args": {"product_id": self.shop.product_id}}]}
            return make_message(step, position)
        if "cancel_order" in str(last.content) and last.name == "get_product":
            calls = [{"name": "cancel_order", "args": {"order_id": self.order_id}}]
            return make_message({"call": calls}, position)
        return AIMessage(content="done")


async def test_injected_instructions_cannot_cancel_without_confirmation(
    container: Container, shop: Shop
) -> None:
    order_id = await paid_order(container, shop, shop.small)
    script = Gullible(shop, order_id)
    async with ChatService.open(container, model=ScriptedChatModel(script=script)) as chat:
        response = await send(chat, shop.alice, "tell me about the trail boots")

    # The graph stopped at the COMMIT: the order is untouched and the shopper is asked.
    assert response.pending_confirmation is not None
    assert response.pending_confirmation.tool == "cancel_order"
    assert (await container.orders.get(shop.alice, order_id)).status == "paid"


async def test_catalog_text_reaches_the_model_marked_as_untrusted_data(
    container: Container, shop: Shop
) -> None:
    order_id = await paid_order(container, shop, shop.small)
    script = Gullible(shop, order_id)
    async with ChatService.open(container, model=ScriptedChatModel(script=script)) as chat:
        await send(chat, shop.alice, "tell me about the trail boots")

    seen = script.seen[-1]
    system = seen[0]
    assert isinstance(system, SystemMessage)
    assert UNTRUSTED_DATA_RULE in system.text
    product_result = next(m for m in seen if isinstance(m, ToolMessage))
    content = str(product_result.content)
    assert content.startswith(DATA_OPEN)
    assert content.endswith(DATA_CLOSE)
    # The description's fake closing tag cannot end the data block early.
    assert content.count(DATA_CLOSE) == 1
    assert "SYSTEM OVERRIDE" in content
