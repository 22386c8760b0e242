"""τ's ``calculate`` tool: arithmetic on numbers with + - * / and parentheses, nothing else.

Evaluated by walking the parsed expression (no ``eval``); the result is rounded to 2 decimals
and returned as text, as τ does.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from services.tau.errors import InvalidExpression

_ALLOWED = set("0123456789+-*/(). ")
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
MAX_LENGTH = 500


def calculate(expression: str) -> str:
    """The value of ``expression`` rounded to 2 decimals, e.g. ``"2 * (3 + 4.5)"`` -> ``"15.0"``."""
    if not expression.strip() or len(expression) > MAX_LENGTH or set(expression) - _ALLOWED:
        raise InvalidExpression(
            "Use numbers, + - * / and parentheses only.", details={"expression": expression}
        )
    try:
        tree = ast.parse(expression, mode="eval")
        value = _value(tree.body)
    except (SyntaxError, ZeroDivisionError, OverflowError) as exc:
        raise InvalidExpression(
            f"Cannot calculate {expression!r}: {exc}", details={"expression": expression}
        ) from None
    return str(round(value, 2))


def _value(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left), _value(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    raise SyntaxError("unsupported expression")
