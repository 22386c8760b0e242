"""The packaged evaluation splits: size, languages, coverage, and that they name real things."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.eval.cases import FAMILIES, SPLITS, CaseFileError, CaseKind, load_cases
from agent.eval.matching import is_rule
from services.seed.tau2 import load_tau2
from tools.registry import TOOLS_BY_NAME


def _refs(value: object) -> list[str]:
    if is_rule(value) and "ref" in value:  # type: ignore[operator]
        return [str(value["ref"])]  # type: ignore[index]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_the_dev_split_has_at_least_80_cases_a_third_of_them_chinese() -> None:
    cases = load_cases(split="dev")
    languages = Counter(case.lang for case in cases)
    assert len(cases) >= 80
    assert languages["zh"] >= len(cases) / 3 - 1


def test_the_test_split_has_120_cases_40_multi_step_in_both_languages() -> None:
    cases = load_cases(split="test")
    languages = Counter(case.lang for case in cases)
    assert len(cases) >= 120
    assert sum(case.kind is CaseKind.MULTI for case in cases) >= 40
    assert set(languages) == {"en", "zh"}
    assert languages["zh"] >= 0.35 * len(cases)


def test_the_test_split_covers_every_family_four_times_and_up_to_five_steps() -> None:
    cases = load_cases(split="test")
    families = Counter(case.family for case in cases)
    assert {family: families[family] for family in FAMILIES if families[family] < 4} == {}
    steps = Counter(case.steps for case in cases)
    assert all(steps[count] for count in range(6)), steps
    four_step_buys = [
        case
        for case in cases
        if [call.options()[0].name for call in case.expect.calls]
        == ["search_products", "get_product", "add_to_cart", "place_order"]
    ]
    assert len(four_step_buys) >= 3


def test_multi_step_cases_of_the_test_split_check_their_end_state() -> None:
    unchecked = [
        case.id
        for case in load_cases(split="test")
        if case.kind is CaseKind.MULTI and not case.expect.state
    ]
    assert unchecked == []


def test_case_ids_are_unique_across_splits() -> None:
    dev = {case.id for case in load_cases(split="dev")}
    test = {case.id for case in load_cases(split="test")}
    assert dev.isdisjoint(test)


@pytest.mark.parametrize("split", SPLITS)
def test_every_tool_family_and_every_kind_of_case_is_covered(split: str) -> None:
    cases = load_cases(split=split)  # type: ignore[arg-type]
    assert {case.family for case in cases} == set(FAMILIES)
    kinds = Counter(case.kind for case in cases)
    assert kinds[CaseKind.NO_TOOL] >= 8
    assert kinds[CaseKind.MULTI] >= 10
    called = {
        option.name for case in cases for call in case.expect.calls for option in call.options()
    }
    assert called == set(TOOLS_BY_NAME)


@pytest.mark.parametrize("split", SPLITS)
def test_expected_calls_name_real_tools_arguments_and_products(split: str) -> None:
    products = {product.name for product in load_tau2().products}
    for case in load_cases(split=split):  # type: ignore[arg-type]
        aliases = set(case.setup.variants) | set(case.setup.orders) | set(case.setup.addresses)
        for call in case.expect.calls:
            for option in call.options():
                schema = TOOLS_BY_NAME[option.name].tool_call_schema
                assert isinstance(schema, type)
                assert issubclass(schema, BaseModel)
                assert set(option.args) <= set(schema.model_fields), case.id
                for ref in _refs(option.args):
                    if ref.startswith("product:"):
                        assert ref.removeprefix("product:") in products, case.id
                    else:
                        known = {"address", "card", "paypal", "gift_card"} | aliases
                        assert ref in known, (case.id, ref)
        for spec in case.setup.variants.values():
            assert spec.product in products, case.id
        for check in case.expect.state:
            assert check.product is None or check.product in products, case.id


def test_a_cases_file_with_a_duplicate_id_is_refused(tmp_path: Path) -> None:
    case = "- {id: a, family: no_tool, lang: en, text: hi}\n"
    path = tmp_path / "cases.yaml"
    path.write_text(case + case)
    with pytest.raises(CaseFileError, match="duplicate"):
        load_cases(path)


def test_a_no_tool_family_case_with_calls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(
        "- {id: a, family: no_tool, lang: en, text: hi, expect: {calls: [{name: view_cart}]}}\n"
    )
    with pytest.raises(CaseFileError, match="no_tool"):
        load_cases(path)


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(CaseFileError, match="split"):
        load_cases(split="train")  # type: ignore[arg-type]
