"""A thread belongs to the user who started it; nobody else can read, continue or confirm it."""

from __future__ import annotations

import pytest

from agent.chat import ChatService
from agent.threads import ThreadNotFound
from services.bootstrap import Container
from services.kernel.pagination import PageRequest
from tests.agent.conftest import Shop, call, say, scripted, send


async def test_another_user_cannot_read_continue_or_confirm_a_thread(
    container: Container, shop: Shop
) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)
    model = scripted([call("place_order", address_id=shop.alice_address), say("ok")])
    async with ChatService.open(container, model=model) as chat:
        paused = await send(chat, shop.alice, "checkout")
        assert paused.pending_confirmation is not None
        with pytest.raises(ThreadNotFound):
            await chat.get_thread(shop.bob, paused.thread_id)
        with pytest.raises(ThreadNotFound):
            await chat.start_message(shop.bob, "continue", paused.thread_id)
        with pytest.raises(ThreadNotFound):
            await chat.start_confirm(
                shop.bob, paused.thread_id, paused.pending_confirmation.id, True
            )
        assert (await chat.list_threads(shop.bob, PageRequest())).total == 0
        # Alice's thread is intact and still waiting for her.
        detail = await chat.get_thread(shop.alice, paused.thread_id)
    assert detail.pending_confirmation == paused.pending_confirmation


async def test_unknown_thread_ids_are_not_found(container: Container, shop: Shop) -> None:
    async with ChatService.open(container, model=scripted([say("hi")])) as chat:
        with pytest.raises(ThreadNotFound):
            await chat.start_message(shop.alice, "hello", "thr_doesnotexist")


async def test_threads_are_listed_newest_first_and_paged(container: Container, shop: Shop) -> None:
    async with ChatService.open(container, model=scripted([say("a"), say("b")])) as chat:
        first = await send(chat, shop.alice, "first conversation")
        second = await send(chat, shop.alice, "second conversation " + "x" * 100)
        await send(chat, shop.alice, "back to the first", first.thread_id)
        page_one = await chat.list_threads(shop.alice, PageRequest(page=1, page_size=1))
        page_two = await chat.list_threads(shop.alice, PageRequest(page=2, page_size=1))
    assert page_one.total == 2
    assert [t.id for t in page_one.items] == [first.thread_id]
    assert [t.id for t in page_two.items] == [second.thread_id]
    assert len(page_two.items[0].title) == 80
    assert page_two.items[0].title.endswith("…")
