"""The harness runs cases through the real graph on fresh shops and scores what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from agent.eval.cases import SPLITS, EvalCase, load_cases
from agent.eval.oracle import oracle_model
from agent.eval.runner import CaseRunner
from agent.eval.shop import CaseShop, Template, case_shop
from agent.scripted import ReplayScript, ScriptedChatModel
from tools.registry import TOOLS

SAMPLE = (
    "search-budget-running-shoes",
    "details-after-search-sizes",
    "cart-remove-multi",
    "cancel-order-declined",
    "swap-size-before-shipping",
    "pay-card-multi",
    "return-order-multi",
    "addresses-add",
    "none-zh-hello",
    "buy-cheapest-waterproof-boots-checkout",
)


def _cases(*ids: str) -> list[EvalCase]:
    by_id = {case.id: case for case in load_cases(split="dev")}
    return [by_id[case_id] for case_id in ids]


def _replaying(*steps: dict[str, Any] | AIMessage) -> Any:
    model = ScriptedChatModel(script=ReplayScript(list(steps)))
    return lambda _case, _shop: model.bind_tools(TOOLS)


async def test_the_oracle_passes_a_sample_of_every_kind_of_case(
    template: Template, tmp_path: Path
) -> None:
    runner = CaseRunner(template, tmp_path, oracle_model)
    for case in _cases(*SAMPLE):
        result = await runner.run(case)
        assert result.passed, (case.id, result.error, result.problems, result.calls)


async def test_a_model_that_only_chats_fails_tool_cases_and_passes_no_tool_ones(
    template: Template, tmp_path: Path
) -> None:
    runner = CaseRunner(template, tmp_path, _replaying({"say": "Happy to help!"}))
    tool_case, chat_case = _cases("cart-view", "none-hello")
    failed = await runner.run(tool_case)
    assert not failed.passed
    assert failed.problems == ["no tool call"]
    assert failed.reply == "Happy to help!"
    assert (await runner.run(chat_case)).passed


async def test_an_unrequested_filter_fails_a_single_step_case(
    template: Template, tmp_path: Path
) -> None:
    call = {"name": "search_products", "args": {"query": "yoga mat", "in_stock": True}}
    runner = CaseRunner(template, tmp_path, _replaying({"call": [call]}, {"say": "Found some."}))
    (case,) = _cases("search-yoga-mats")
    result = await runner.run(case)
    assert not result.passed
    assert result.problems == ["in_stock: unexpected True"]
    assert result.calls[0].error is None


async def test_a_multi_step_case_fails_when_the_end_state_is_not_reached(
    template: Template, tmp_path: Path
) -> None:
    # Right calls in order, but the shopper's order is never placed: the state check catches it.
    steps = ({"call": [{"name": "list_addresses", "args": {}}]}, {"say": "Shall I?"})
    runner = CaseRunner(template, tmp_path, _replaying(*steps))
    (case,) = _cases("place-checkout-multi")
    result = await runner.run(case)
    assert not result.passed
    assert "expected call 2 (place_order) not made in order" in result.problems
    assert "no new order" in result.problems


async def test_each_case_gets_a_fresh_copy_of_the_shop(template: Template, tmp_path: Path) -> None:
    (case,) = _cases("cart-view")
    async with case_shop(template, case, tmp_path) as shop:
        assert len((await shop.container.carts.view(shop.shopper)).lines) == 1
        await _add_bottle(shop)
    async with case_shop(template, case, tmp_path) as shop:
        assert len((await shop.container.carts.view(shop.shopper)).lines) == 1


async def _add_bottle(shop: CaseShop) -> None:
    product = await shop.container.catalog.get_product(shop.refs["product:Water Bottle"])
    variant = next(v for v in product.variants if v.available > 0)
    await shop.container.carts.add_item(shop.shopper, variant.id, 1)


async def test_a_setup_naming_an_unknown_product_is_reported_as_a_case_error(
    template: Template, tmp_path: Path
) -> None:
    case = EvalCase.model_validate(
        {
            "id": "typo",
            "family": "cart.view",
            "lang": "en",
            "text": "cart?",
            "setup": {"variants": {"x": {"product": "Hovercraft"}}},
            "expect": {"calls": [{"name": "view_cart"}]},
        }
    )
    result = await CaseRunner(template, tmp_path, oracle_model).run(case)
    assert not result.passed
    assert result.error is not None
    assert "Hovercraft" in result.error


@pytest.mark.slow
async def test_the_oracle_passes_every_case_of_both_splits(
    template: Template, tmp_path: Path
) -> None:
    runner = CaseRunner(template, tmp_path, oracle_model)
    failed = [
        (c.id, r.error, r.problems)
        for split in SPLITS
        for c in load_cases(split=split)
        if not (r := await runner.run(c)).passed
    ]
    assert failed == []
