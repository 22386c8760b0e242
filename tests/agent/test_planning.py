"""Planned turns (agent.planning): the model names the turn's changes; a text reply before they
are made is replaced by the next step's call (forced), look-ups first; a failed forced step or a
look-up that found nothing ends the follow-through; a COMMIT step still waits for the shopper."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import AgentContext, AgentLimits, plans_turns
from agent.graph import build_graph, turn_input
from agent.planning import (
    FOLLOW_UPS,
    NO_TOOLS,
    NOTHING,
    PLAN_TOOL,
    change_tools,
    complete_plan,
    forced,
    plan_of,
    plan_tool,
)
from agent.scripted import make_message
from services.bootstrap import Container
from services.kernel.pagination import PageRequest
from tests.agent.conftest import Shop, call, say
from tests.conftest import make_settings
from tools.base import ToolKind
from tools.registry import TOOLS, TOOLS_BY_NAME


class RecordingModel(Runnable[Any, AIMessage]):
    """Replays steps and records the tool choice each request asked for."""

    def __init__(self, steps: Sequence[dict[str, Any]]) -> None:
        self.steps = list(steps)
        self.choices: list[Any] = []

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        """Answer with the next step."""
        self.choices.append(kwargs.get("tool_choice"))
        return make_message(self.steps.pop(0), len(self.choices))

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        """Answer with the next step."""
        return self.invoke(input, config, **kwargs)


def plan(first: str = NOTHING, then: str = NOTHING) -> dict[str, Any]:
    return call(PLAN_TOOL, first=first, then=then)


def choice(tool: str) -> Any:
    return forced(tool)["tool_choice"]


async def run(
    container: Container, shop: Shop, model: RecordingModel, text: str
) -> tuple[list[BaseMessage], Any]:
    graph = build_graph(InMemorySaver())
    context = AgentContext(shop.alice, container, model, AgentLimits(planning=True))
    config: RunnableConfig = {"configurable": {"thread_id": "t"}, "recursion_limit": 25}
    await graph.ainvoke(turn_input(text), config, context=context)
    state = await graph.aget_state(config)
    return state.values["messages"], state.interrupts


async def test_the_graph_carries_out_the_plan_step_by_step(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel(
        [
            plan("add_to_cart"),
            call("search_products", query="boots"),
            call("get_product", product_id=shop.product_id),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            say("Added."),
        ]
    )
    messages, interrupts = await run(container, shop, model, "add boots to my cart")
    # The first call is the model's own; then each step's tool is forced; once the change is
    # made, the model replies without tools (no change nobody asked for).
    assert model.choices == [
        choice(PLAN_TOOL),
        None,
        choice("get_product"),
        choice("add_to_cart"),
        NO_TOOLS["tool_choice"],
    ]
    assert not interrupts
    cart = await container.carts.view(shop.alice)
    assert [line.variant_id for line in cart.lines] == [shop.small]
    texts = [m.text for m in messages if isinstance(m, AIMessage) and m.text]
    assert texts == ["Added."]
    assert all(
        c["name"] != PLAN_TOOL for m in messages if isinstance(m, AIMessage) for c in m.tool_calls
    )


async def test_a_refusal_gives_way_to_a_search_first(container: Container, shop: Shop) -> None:
    model = RecordingModel(
        [
            plan("add_to_cart"),
            say("I'm sorry, I can't help with that."),
            call("search_products", query="boots"),
            call("get_product", product_id=shop.product_id),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            say("Added."),
        ]
    )
    messages, _ = await run(container, shop, model, "add boots to my cart")
    assert model.choices == [
        choice(PLAN_TOOL),
        None,
        choice("search_products"),
        choice("get_product"),
        choice("add_to_cart"),
        NO_TOOLS["tool_choice"],
    ]
    cart = await container.carts.view(shop.alice)
    assert [line.variant_id for line in cart.lines] == [shop.small]
    assert messages[-1].text == "Added."


async def test_a_change_the_model_picks_over_the_plan_replaces_it(
    container: Container, shop: Shop
) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)
    model = RecordingModel(
        [plan("request_return"), call("clear_cart"), say("Your cart is empty now.")]
    )
    messages, _ = await run(container, shop, model, "empty my cart")
    # The plan's guess (a return) is dropped for the model's own change: nothing is forced.
    assert model.choices == [choice(PLAN_TOOL), None, NO_TOOLS["tool_choice"]]
    assert (await container.carts.view(shop.alice)).lines == []
    assert messages[-1].text == "Your cart is empty now."


async def test_a_commit_step_still_waits_for_the_shopper(container: Container, shop: Shop) -> None:
    await container.carts.add_item(shop.alice, shop.small, 1)
    model = RecordingModel(
        [
            plan("place_order"),
            call("list_addresses"),
            call("place_order", address_id=shop.alice_address),
        ]
    )
    _, interrupts = await run(container, shop, model, "order what is in my cart")
    assert model.choices == [choice(PLAN_TOOL), None, choice("place_order")]
    assert interrupts, "place_order must wait for the shopper's confirmation"
    assert (await container.orders.list(shop.alice, PageRequest())).total == 0


async def test_a_failed_forced_step_hands_the_turn_back(container: Container, shop: Shop) -> None:
    model = RecordingModel(
        [
            plan("add_to_cart"),
            call("add_to_cart", variant_id="var_doesnotexist0000", quantity=1),
            say("That item does not exist."),
        ]
    )
    messages, _ = await run(container, shop, model, "add var_doesnotexist0000 to my cart")
    assert model.choices == [choice(PLAN_TOOL), None, None]
    assert messages[-1].text == "That item does not exist."


async def test_a_search_that_found_nothing_is_forced_once_more(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel(
        [
            plan("add_to_cart"),
            call("search_products", query="qqqzzzxxx"),
            call("search_products", query="qqqzzz"),
            say("Nothing matches that."),
        ]
    )
    messages, _ = await run(container, shop, model, "add a qqqzzzxxx to my cart")
    assert model.choices == [choice(PLAN_TOOL), None, choice("search_products"), None]
    assert messages[-1].text == "Nothing matches that."


async def test_a_look_up_repeated_word_for_word_is_not_run_again(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel(
        [
            plan("add_to_cart"),
            call("search_products", query="qqqzzzxxx"),
            call("search_products", query="qqqzzzxxx"),
            say("Nothing matches that."),
        ]
    )
    messages, _ = await run(container, shop, model, "add a qqqzzzxxx to my cart")
    assert model.choices == [
        choice(PLAN_TOOL),
        None,
        choice("search_products"),
        NO_TOOLS["tool_choice"],
    ]
    assert len([m for m in messages if isinstance(m, ToolMessage)]) == 1
    assert messages[-1].text == "Nothing matches that."


async def test_a_search_repeated_with_filters_is_retried_without_them(
    container: Container, shop: Shop
) -> None:
    narrow = {"query": "boots", "category": "no such category", "options": {"color": "mauve"}}
    model = RecordingModel(
        [
            plan("add_to_cart"),
            call("search_products", **narrow),
            call("search_products", **narrow),
            call("get_product", product_id=shop.product_id),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            say("Added."),
        ]
    )
    messages, _ = await run(container, shop, model, "add boots to my cart")
    searches = [
        c["args"]
        for m in messages
        if isinstance(m, AIMessage)
        for c in m.tool_calls
        if c["name"] == "search_products"
    ]
    assert searches == [narrow, {"query": "boots"}]
    cart = await container.carts.view(shop.alice)
    assert [line.variant_id for line in cart.lines] == [shop.small]


async def test_a_free_look_up_repeated_with_nothing_changed_is_not_run_again(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel([plan(), call("view_cart"), call("view_cart"), say("It is empty.")])
    messages, _ = await run(container, shop, model, "what is in my cart?")
    assert model.choices == [choice(PLAN_TOOL), None, None, NO_TOOLS["tool_choice"]]
    assert [m.name for m in messages if isinstance(m, ToolMessage)] == ["view_cart"]


async def test_a_look_up_after_a_change_runs_again(container: Container, shop: Shop) -> None:
    model = RecordingModel(
        [
            plan(),
            call("view_cart"),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            call("view_cart"),
            say("Added; your cart has one line."),
        ]
    )
    messages, _ = await run(container, shop, model, f"show my cart, then add {shop.small}")
    assert model.choices == [choice(PLAN_TOOL), None, None, None, None]
    results = [m.name for m in messages if isinstance(m, ToolMessage)]
    assert results == ["view_cart", "add_to_cart", "view_cart"]


async def test_an_empty_plan_answers_in_text(container: Container, shop: Shop) -> None:
    model = RecordingModel([plan(), say("Hello!")])
    messages, _ = await run(container, shop, model, "hi")
    assert model.choices == [choice(PLAN_TOOL), None]
    assert messages[-1].text == "Hello!"


async def test_planning_again_mid_turn_is_asked_for_text_instead(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel([plan(), plan("clear_cart"), say("Hello!")])
    messages, _ = await run(container, shop, model, "hi")
    assert model.choices == [choice(PLAN_TOOL), None, NO_TOOLS["tool_choice"]]
    assert messages[-1].text == "Hello!"


def test_complete_plan_adds_sources_from_the_tools_schemas() -> None:
    assert complete_plan(["add_to_cart"], TOOLS_BY_NAME, seen="") == [
        "search_products",
        "get_product",
        "add_to_cart",
    ]
    # Ids the conversation already shows need no look-up; a cart line comes from the cart.
    assert complete_plan(["add_to_cart"], TOOLS_BY_NAME, seen="var_01abc") == ["add_to_cart"]
    assert complete_plan(["remove_from_cart"], TOOLS_BY_NAME, seen="") == [
        "view_cart",
        "remove_from_cart",
    ]
    assert complete_plan(["pay_order"], TOOLS_BY_NAME, seen="ord_1 pm_2") == [
        "get_payment_token",
        "pay_order",
    ]
    assert complete_plan(["no_such_tool", "view_cart"], TOOLS_BY_NAME, seen="") == ["view_cart"]
    # A payment token has no id prefix: it is there once its tool ran this turn.
    assert complete_plan(
        ["pay_order"], TOOLS_BY_NAME, seen="ord_1 pm_2", called=["get_payment_token"]
    ) == ["pay_order"]
    # An exchange names other variants of an ordered product: their page comes first.
    seen = "ord_1 oli_2 prd_3 var_4"
    assert complete_plan(["request_exchange"], TOOLS_BY_NAME, seen=seen) == [
        "get_product",
        "request_exchange",
    ]
    assert complete_plan(
        ["request_exchange"], TOOLS_BY_NAME, seen=seen, called=["get_product"]
    ) == ["request_exchange"]


def test_the_plan_tool_offers_only_the_changes() -> None:
    names = change_tools(TOOLS)
    schema = plan_tool(names)["function"]["parameters"]["properties"]
    assert schema["first"]["enum"] == [NOTHING, *names]
    # A second change continues a purchase: only those are offered after the first.
    assert schema["then"]["enum"] == [NOTHING, *FOLLOW_UPS]
    assert set(FOLLOW_UPS) <= set(names)
    assert {"add_to_cart", "place_order", "pay_order", "request_return"} <= set(names)
    kinds = {TOOLS_BY_NAME[name].kind for name in names}
    assert ToolKind.READ not in kinds
    # A payment token is only a look-up for pay_order.
    assert "get_payment_token" not in names


def test_a_plan_keeps_only_changes_it_was_offered() -> None:
    reply = make_message(plan("add_to_cart", "view_cart"), 1)
    assert plan_of(reply, change_tools(TOOLS)) == ["add_to_cart"]
    assert plan_of(make_message(plan(), 1), change_tools(TOOLS)) == []
    twice = make_message(plan("remove_from_cart", "remove_from_cart"), 1)
    assert plan_of(twice, change_tools(TOOLS)) == ["remove_from_cart"]
    assert plan_of(make_message(say("hi"), 1), change_tools(TOOLS)) == []


async def test_the_same_change_is_not_made_twice_in_a_turn(
    container: Container, shop: Shop
) -> None:
    model = RecordingModel(
        [
            plan(),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            call("add_to_cart", variant_id=shop.small, quantity=1),
            say("Added."),
        ]
    )
    messages, _ = await run(container, shop, model, f"add {shop.small} to my cart")
    cart = await container.carts.view(shop.alice)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(shop.small, 1)]
    repeated = [m for m in messages if isinstance(m, ToolMessage) and m.status == "error"]
    assert len(repeated) == 1
    assert "repeated_change" in repeated[0].text


def test_turns_are_planned_by_default_only_for_the_local_model(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert plans_turns(settings, "local")
    assert not plans_turns(settings, "scripted")
    assert not plans_turns(settings, "openai")
    assert not plans_turns(make_settings(tmp_path, agent_planning="off"), "local")
