"""Card data typed into the chat is cut before the model, the thread store or a log sees it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from agent.chat import ChatService
from agent.redaction import luhn_valid, redact_card_data
from agent.scripted import ReplayScript
from config.settings import Settings
from services.kernel.actor import Actor
from tests.reliability.world import World

NOT_CARDS = "order 1234567890123 and phone 555 123 4567"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("card 4242 4242 4242 4242 please", "card [card ending 4242] please"),
        ("4000-0000-0000-0002", "[card ending 0002]"),
        ("amex 378282246310005", "amex [card ending 0005]"),
        ("my CVC is 123", "my CVC is [removed]"),
        ("cvv: 1234 and security code 987", "cvv: [removed] and security code [removed]"),
        (
            "order 1234567890123 and phone 555 123 4567",
            "order 1234567890123 and phone 555 123 4567",
        ),
        ("3 pairs, size 42, $129.99", "3 pairs, size 42, $129.99"),
    ],
)
def test_card_numbers_and_security_codes_are_cut(typed: str, kept: str) -> None:
    assert redact_card_data(typed) == kept


def test_luhn_tells_card_numbers_from_other_digits() -> None:
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


async def test_the_model_and_the_thread_never_see_a_typed_card_number(
    chat: ChatService, script: ReplayScript, world_copy: tuple[Settings, World]
) -> None:
    world = world_copy[1]
    seen: list[str] = []

    def look(messages: Sequence[BaseMessage]) -> AIMessage:
        seen.extend(str(message.content) for message in messages)
        return AIMessage(content="Please add cards under payment methods.")

    script.steps[:] = [look]
    owner = Actor(world.owner.user_id, "customer")
    run = await chat.start_message(owner, "pay with 4111 1111 1111 1111, cvc 321", None)
    response = await run.response()

    thread = (await chat.get_thread(owner, response.thread_id)).model_dump_json()
    for text in ("".join(seen), thread):
        assert "4111 1111 1111 1111" not in text
        assert "321" not in text
    assert "[card ending 1111]" in thread
