"""τ's calculate tool: arithmetic only, rounded to 2 decimals."""

from __future__ import annotations

import pytest

from services.tau.calculator import calculate
from services.tau.errors import InvalidExpression


@pytest.mark.parametrize(
    ("expression", "value"),
    [("1 + 2", "3.0"), ("(261.11 - 235.44) * 2", "51.34"), ("-3 / 4", "-0.75"), ("10/3", "3.33")],
)
def test_calculate_evaluates_arithmetic_rounded_to_cents(expression: str, value: str) -> None:
    assert calculate(expression) == value


@pytest.mark.parametrize(
    "expression", ["", "__import__('os')", "2 ** 3", "1 / 0", "(1 + 2", "1e5", "abs(-1)"]
)
def test_calculate_refuses_anything_but_numbers_and_four_operators(expression: str) -> None:
    with pytest.raises(InvalidExpression):
        calculate(expression)
