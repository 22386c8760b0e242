"""Multi-step cases are scored by end state: state-changing calls in order, reads free."""

from __future__ import annotations

from typing import Any

from agent.eval.cases import EvalCase
from agent.eval.scoring import CaseResult, RecordedCall, required_steps, score_calls, summarize

REFS = {"product:Backpack": "prd_bag", "bag": "var_bag", "address": "adr_home"}
BUY: list[dict[str, Any]] = [
    {"name": "search_products", "args": {"query": {"contains": "backpack"}}},
    {"name": "get_product", "args": {"product_id": {"ref": "product:Backpack"}}},
    {"name": "add_to_cart", "args": {"variant_id": {"ref": "bag"}}},
    {"name": "place_order", "args": {"address_id": {"ref": "address"}}},
]
ADD = RecordedCall("add_to_cart", {"variant_id": "var_bag"})
PLACE = RecordedCall("place_order", {"address_id": "adr_home"})


def _case(calls: list[dict[str, Any]], state: list[dict[str, Any]] | None = None) -> EvalCase:
    return EvalCase.model_validate(
        {
            "id": "buy",
            "family": "orders.place",
            "lang": "en",
            "text": "buy a backpack",
            "expect": {"calls": calls, "state": state or []},
        }
    )


def _ordered() -> EvalCase:
    return _case(BUY, [{"kind": "new_order", "variants": ["bag"]}])


def test_only_the_state_changing_calls_of_an_end_state_case_are_required() -> None:
    assert required_steps(_ordered()) == [3, 4]
    assert required_steps(_case(BUY)) == [1, 2, 3, 4]


def test_skipped_reads_extra_reads_and_another_read_still_pass() -> None:
    extra = [
        RecordedCall("list_categories", {}),
        RecordedCall("search_products", {"query": "bags", "category": "Bags & Travel"}),
        ADD,
        RecordedCall("list_addresses", {}),
        PLACE,
    ]
    assert score_calls(_ordered(), [ADD, PLACE], REFS) == []
    assert score_calls(_ordered(), extra, REFS) == []


def test_a_missing_or_misplaced_state_changing_call_fails() -> None:
    assert score_calls(_ordered(), [ADD], REFS) == [
        "expected call 4 (place_order) not made in order"
    ]
    assert score_calls(_ordered(), [PLACE, ADD], REFS)
    wrong = RecordedCall("add_to_cart", {"variant_id": "var_other"})
    assert score_calls(_ordered(), [wrong, PLACE], REFS) == [
        "expected call 3 (add_to_cart) not made in order"
    ]


def test_a_multi_step_case_without_state_checks_still_needs_its_reads() -> None:
    assert score_calls(_case(BUY), [ADD, PLACE], REFS) == [
        "expected call 1 (search_products) not made in order"
    ]


def test_the_summary_groups_by_kind_and_steps_and_keeps_the_all_calls_rate() -> None:
    results = [
        CaseResult("a", "no_tool", "en", "no_tool", True, seconds=1.0),
        CaseResult("b", "cart.view", "zh", "single", False, seconds=2.0, steps=1),
        CaseResult("c", "orders.place", "en", "multi", True, seconds=9.0, steps=4),
        CaseResult(
            "d", "orders.place", "en", "multi", True, seconds=5.0, steps=4, all_calls_passed=True
        ),
    ]
    summary = summarize(results)
    assert summary["kinds"]["multi"] == {"passed": 2, "total": 2, "rate": 1.0}
    assert summary["kinds"]["single"] == {"passed": 0, "total": 1, "rate": 0.0}
    assert summary["steps"] == {
        "0": {"passed": 1, "total": 1, "rate": 1.0},
        "1": {"passed": 0, "total": 1, "rate": 0.0},
        "4": {"passed": 2, "total": 2, "rate": 1.0},
    }
    assert summary["multi_step_all_calls"] == {"passed": 1, "total": 2, "rate": 0.5}
    latency = summary["latency_seconds"]
    assert latency["turn_p50"] == 3.5
    assert latency["turn_p90"] is not None
    assert latency["turn_p90"] > 5.0
    assert latency["turn_p50_by_steps"]["4"] == 7.0
