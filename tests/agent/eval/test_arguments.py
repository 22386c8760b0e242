"""Normalising and checking tool-call arguments (no model, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.arguments import check_call, normalise_args
from tools.registry import TOOLS_BY_NAME

SEARCH = TOOLS_BY_NAME["search_products"]


def _search(args: dict[str, Any], text: str) -> dict[str, Any]:
    return normalise_args(SEARCH, args, text).args


@pytest.mark.parametrize(
    "text",
    [
        "find me running shoes under 100 dollars",
        "anything cheaper than $80?",
        "my budget is 120",
        "帮我找100美元以下的跑鞋",
        "不超过200的耳机",
        "300以内的背包",
    ],
)
def test_a_budget_read_as_a_minimum_becomes_a_maximum(text: str) -> None:
    assert _search({"query": "shoes", "min_price": 100}, text) == {
        "query": "shoes",
        "max_price": 100,
    }


@pytest.mark.parametrize(
    "text", ["sunglasses over 290 dollars", "more than $50 please", "200美元以上的耳机"]
)
def test_a_floor_stays_a_minimum_and_a_floor_read_as_a_maximum_is_turned(text: str) -> None:
    assert _search({"min_price": 290}, text) == {"min_price": 290}
    assert _search({"max_price": 290}, text) == {"min_price": 290}


def test_a_price_range_is_kept_and_an_inverted_one_is_put_right() -> None:
    text = "backpacks between 190 and 210 dollars"
    assert _search({"min_price": 190, "max_price": 210}, text) == {
        "min_price": 190,
        "max_price": 210,
    }
    assert _search({"min_price": 210, "max_price": 190}, text) == {
        "min_price": 190,
        "max_price": 210,
    }
    assert _search({"min_price": 100}, "价格在100到150美元之间的台灯") == {"min_price": 100}


def test_a_zero_floor_is_no_floor() -> None:
    text = "what's the cheapest bluetooth speaker you have?"
    args = {"query": "bluetooth speaker", "min_price": 0, "sort": "price_asc"}
    assert _search(args, text) == {"query": "bluetooth speaker", "sort": "price_asc"}


def test_filters_the_shopper_did_not_ask_for_are_dropped() -> None:
    args = {
        "query": "yoga mat",
        "in_stock": True,
        "sort": "price_asc",
        "category": "Sports & Fitness",
        "options": {"color": "blue"},
        "page": 1,
    }
    assert _search(args, "do you have yoga mats?") == {"query": "yoga mat"}


def test_filters_the_shopper_asked_for_are_kept() -> None:
    args = {
        "query": "t-shirt",
        "in_stock": True,
        "sort": "price_asc",
        "category": "Clothing",
        "options": {"size": "XL"},
    }
    assert _search(args, "cheapest clothing t-shirt in XL that is in stock") == args
    assert _search({"query": "backpack", "in_stock": True}, "现在有货的背包") == {
        "query": "backpack",
        "in_stock": True,
    }


def test_chinese_requests_keep_translated_option_and_category_values() -> None:
    args = {"query": "t-shirt", "options": {"color": "black", "size": "XL"}}
    assert _search(args, "我想买黑色XL码的T恤") == args


def test_loose_types_are_coerced_and_nulls_and_unknown_keys_dropped() -> None:
    normalised = normalise_args(
        SEARCH,
        {"query": "lamp", "max_price": "$150", "in_stock": "yes", "category": None, "colour": "x"},
        "lamps under $150 in stock",
    )
    assert normalised.args == {"query": "lamp", "max_price": 150, "in_stock": True}
    assert "dropped unknown colour" in normalised.changes
    add = normalise_args(TOOLS_BY_NAME["add_to_cart"], {"variant_id": "var_1", "quantity": "2"}, "")
    assert add.args == {"variant_id": "var_1", "quantity": 2}


def test_an_id_the_conversation_never_showed_is_a_problem() -> None:
    tool = TOOLS_BY_NAME["add_to_cart"]
    seen = '{"variants":[{"id":"var_real1","options":{"size":"M"}}]}'
    assert check_call(tool, {"variant_id": "var_real1"}, seen) == []
    problems = check_call(tool, {"variant_id": "var_made_up"}, seen)
    assert len(problems) == 1
    assert "does not appear in this conversation" in problems[0]
    assert "get_product" in problems[0]


def test_an_id_of_the_wrong_kind_is_a_problem() -> None:
    tool = TOOLS_BY_NAME["add_to_cart"]
    problems = check_call(tool, {"variant_id": "prd_123"}, "prd_123")
    assert problems == ["variant_id must be an id starting with var_; got 'prd_123'"]


def test_nested_ids_and_the_payment_token_are_checked() -> None:
    exchange = TOOLS_BY_NAME["request_exchange"]
    args = {"order_id": "ord_1", "items": [{"variant_id": "var_1", "new_variant_id": "var_9"}]}
    problems = check_call(exchange, args, "ord_1 var_1")
    assert len(problems) == 1
    assert "new_variant_id 'var_9'" in problems[0]
    pay = TOOLS_BY_NAME["pay_order"]
    args = {"order_id": "ord_1", "payment_method_id": "pm_1", "payment_token": "t" * 20}
    assert check_call(pay, args, "ord_1 pm_1")[0].startswith("payment_token must be")


def test_schema_errors_are_problems() -> None:
    problems = check_call(TOOLS_BY_NAME["set_cart_quantity"], {"variant_id": "var_1"}, "var_1")
    assert problems == ["quantity: Field required"]


@pytest.mark.parametrize("query", ["瑜伽垫", "防水夹克", "蓝色 跑鞋", "coffee machine"])
def test_a_chinese_query_is_left_as_the_model_wrote_it(query: str) -> None:
    # Search matches the products' stored search terms in any language: no agent glossary.
    assert _search({"query": query}, "有没有这个？")["query"] == query


def test_price_bounds_in_a_request_that_names_no_price_are_dropped() -> None:
    text = "show me your most expensive laptop"
    args = {"query": "laptop", "max_price": 1000000, "sort": "price_desc"}
    assert _search(args, text) == {"query": "laptop", "sort": "price_desc"}
    assert _search({"query": "咖啡机", "min_price": 100}, "我想买一台咖啡机") == {"query": "咖啡机"}
    assert _search({"query": "耳机", "max_price": 400}, "四百以内的耳机") == {
        "query": "耳机",
        "max_price": 400,
    }


def test_cheaper_than_is_a_budget_not_a_sort_order() -> None:
    text = "any electric kettle cheaper than 150?"
    args = {"query": "electric kettle", "max_price": 150, "sort": "price_asc"}
    assert _search(args, text) == {"query": "electric kettle", "max_price": 150}


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("cancel my most recent order", {}),
        ("which of my orders were delivered?", {"status": "delivered"}),
        ("我最近的订单", {"status": "delivered"}),
    ],
)
def test_an_order_status_nobody_asked_for_is_dropped(text: str, kept: dict[str, Any]) -> None:
    orders = TOOLS_BY_NAME["list_orders"]
    assert normalise_args(orders, {"status": "delivered"}, text).args == kept
