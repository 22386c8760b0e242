"""The packaged evaluation set: size, languages, coverage, and that it names real things."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.eval.cases import FAMILIES, CaseFileError, CaseKind, load_cases
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


def test_the_set_has_at_least_80_cases_a_third_of_them_chinese() -> None:
    cases = load_cases()
    languages = Counter(case.lang for case in cases)
    assert len(cases) >= 80
    assert languages["zh"] >= len(cases) / 3 - 1


def test_every_tool_family_and_every_kind_of_case_is_covered() -> None:
    cases = load_cases()
    assert {case.family for case in cases} == set(FAMILIES)
    kinds = Counter(case.kind for case in cases)
    assert kinds[CaseKind.NO_TOOL] >= 8
    assert kinds[CaseKind.MULTI] >= 10
    called = {
        option.name for case in cases for call in case.expect.calls for option in call.options()
    }
    assert called == set(TOOLS_BY_NAME)


def test_expected_calls_name_real_tools_arguments_and_products() -> None:
    products = {product.name for product in load_tau2().products}
    for case in load_cases():
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
