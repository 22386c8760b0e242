"""Argument rules of the evaluation set and how calls are scored."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from agent.eval.cases import EvalCase
from agent.eval.matching import UnresolvedRef, match_call
from agent.eval.scoring import CaseResult, RecordedCall, score_calls, summarize

SEARCH_DEFAULTS = {"query": "", "in_stock": False, "sort": "relevance", "page": 1}


def _search(args: Mapping[str, object], expected: Mapping[str, object]) -> list[str]:
    result = match_call("search_products", expected, "search_products", args, {}, SEARCH_DEFAULTS)
    return result.problems


def test_contains_ignores_case_and_number_accepts_numeric_strings() -> None:
    expected = {"query": {"contains": "running shoe"}, "max_price": 200}
    assert _search({"query": "Running Shoes", "max_price": "200"}, expected) == []


def test_a_budget_read_as_a_minimum_is_not_an_exact_call() -> None:
    expected = {"query": {"contains": "shoe"}, "max_price": 200}
    problems = _search({"query": "shoes", "min_price": 200}, expected)
    assert any("max_price" in p for p in problems)
    assert any("min_price: unexpected" in p for p in problems)


def test_an_unrequested_filter_fails_unless_it_is_the_default() -> None:
    expected = {"query": {"contains": "mat"}}
    assert _search({"query": "yoga mat", "in_stock": True}, expected) == [
        "in_stock: unexpected True"
    ]
    assert _search({"query": "yoga mat", "in_stock": False, "page": 1}, expected) == []


def test_absent_optional_any_of_and_present_rules() -> None:
    expected = {
        "query": {"any_of": [{"contains": "headphone"}, {"contains": "earbud"}]},
        "min_price": {"absent": True},
        "sort": {"optional": True},
        "category": {"present": True},
    }
    assert _search({"query": "earbuds", "category": "Electronics"}, expected) == []
    problems = _search({"query": "speaker", "min_price": 5}, expected)
    assert len(problems) == 3


def test_refs_compare_with_the_setup_ids_and_unknown_refs_raise() -> None:
    refs = {"order": "ord_1"}
    ok = match_call(
        "get_order", {"order_id": {"ref": "order"}}, "get_order", {"order_id": "ord_1"}, refs
    )
    assert ok.ok
    with pytest.raises(UnresolvedRef):
        match_call(
            "get_order", {"order_id": {"ref": "other"}}, "get_order", {"order_id": "x"}, refs
        )


def test_nested_items_match_item_by_item() -> None:
    refs = {"old": "var_1", "new": "var_2"}
    expected = {"items": [{"variant_id": {"ref": "old"}, "new_variant_id": {"ref": "new"}}]}
    good = {"items": [{"variant_id": "var_1", "new_variant_id": "var_2", "quantity": None}]}
    bad = {"items": [{"variant_id": "var_2", "new_variant_id": "var_1"}]}
    assert match_call("x", expected, "x", good, refs).ok
    assert not match_call("x", expected, "x", bad, refs).ok


def _case(calls: list[dict[str, object]], family: str = "cart.view") -> EvalCase:
    return EvalCase.model_validate(
        {"id": "c", "family": family, "lang": "en", "text": "t", "expect": {"calls": calls}}
    )


def test_single_step_cases_are_scored_on_the_first_call_only() -> None:
    case = _case([{"name": "view_cart"}])
    assert (
        score_calls(case, [RecordedCall("view_cart", {}), RecordedCall("clear_cart", {})], {}) == []
    )
    assert score_calls(case, [RecordedCall("clear_cart", {}), RecordedCall("view_cart", {})], {})
    assert score_calls(case, [], {}) == ["no tool call"]


def test_multi_step_calls_must_come_in_order_with_others_allowed_between() -> None:
    case = _case([{"name": "view_cart"}, {"name": "clear_cart"}], family="cart.clear")
    between = [
        RecordedCall("view_cart", {}),
        RecordedCall("get_profile", {}),
        RecordedCall("clear_cart", {}),
    ]
    assert score_calls(case, between, {}) == []
    reversed_order = [RecordedCall("clear_cart", {}), RecordedCall("view_cart", {})]
    assert score_calls(case, reversed_order, {})


def test_no_tool_precision_counts_text_replies_that_were_right() -> None:
    results = [
        CaseResult("a", "no_tool", "en", "no_tool", passed=True),
        CaseResult("b", "cart.view", "en", "single", passed=False),
        CaseResult("c", "cart.view", "en", "single", True, [RecordedCall("view_cart", {})]),
    ]
    summary = summarize(results)
    assert summary["no_tool_accuracy"]["rate"] == 1.0
    assert summary["no_tool_precision"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert summary["single_step_exact"]["passed"] == 1
    assert summary["families"]["cart.view"] == {"passed": 1, "total": 2, "rate": 0.5}
