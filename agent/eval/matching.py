"""Matching a recorded tool call against an expected one.

Argument rules (values in a case's ``args``):

* a plain string: equal ignoring case and surrounding spaces; a number: numerically equal
  (numeric strings count); ``true``/``false``: equal; a list: same length, item by item;
  a mapping: each listed key matches (extra keys only when null).
* ``{contains: "text"}`` or ``{contains: [a, b]}``: the value (or, for a list value, one of
  its items) contains each text, ignoring case.
* ``{any_of: [v1, v2]}``: matches one of the values (each may itself be a rule).
* ``{number: 100}``: numerically equal within 0.005.
* ``{exact: v}``: equal, case and all.
* ``{absent: true}``: not passed, null, or the tool's default.
* ``{present: true}``: passed with any non-null value.
* ``{optional: true}``: anything, or nothing (e.g. a free-text reason the shopper may give).
* ``{ref: name}``: equal to the id the case's setup resolved (``address``, ``card``, an order
  or variant alias, ``product:<product name>``).

An argument the case does not list must be absent (null or the tool's default): a call that
adds a filter the shopper did not ask for is not an exact call. Multi-step cases match their
calls loosely (unlisted arguments are ignored): their end state is the real test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RULE_KEYS = frozenset(
    {"contains", "any_of", "number", "exact", "absent", "present", "optional", "ref"}
)
NUMBER_TOLERANCE = 0.005
MISSING: Any = object()


class UnresolvedRef(KeyError):
    """A case refers to an id its setup did not define."""


@dataclass(frozen=True)
class CallMatch:
    """Whether a call matched, and why not."""

    ok: bool
    problems: list[str] = field(default_factory=list)


def is_rule(value: Any) -> bool:
    """True for a one-key mapping naming a rule (``{contains: ...}``)."""
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in RULE_KEYS


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _contains(actual: Any, needles: Any) -> bool:
    wanted = [needles] if isinstance(needles, str) else list(needles)
    haystacks = actual if isinstance(actual, list) else [actual]
    texts = [str(item).lower() for item in haystacks if item is not None]
    return all(any(str(n).lower() in text for text in texts) for n in wanted)


def _rule(rule: Mapping[str, Any], actual: Any, refs: Mapping[str, Any], where: str) -> list[str]:
    ((name, operand),) = rule.items()
    if name == "optional":
        return []
    if name == "absent":
        return [] if actual is MISSING or actual is None else [f"{where}: should be absent"]
    if actual is MISSING or actual is None:
        return [f"{where}: missing"]
    if name == "present":
        return []
    if name == "contains":
        return [] if _contains(actual, operand) else [f"{where}: {actual!r} lacks {operand!r}"]
    if name == "number":
        number = _number(actual)
        if number is not None and abs(number - float(operand)) <= NUMBER_TOLERANCE:
            return []
        return [f"{where}: {actual!r} != {operand}"]
    if name == "exact":
        return [] if actual == operand else [f"{where}: {actual!r} != {operand!r}"]
    if name == "any_of":
        if any(not match_value(option, actual, refs, where) for option in operand):
            return []
        return [f"{where}: {actual!r} is none of {operand!r}"]
    if operand not in refs:
        raise UnresolvedRef(f"{where}: no id named {operand!r} in the case's setup")
    wanted = refs[operand]
    return [] if actual == wanted else [f"{where}: {actual!r} != {operand} ({wanted})"]


def match_value(expected: Any, actual: Any, refs: Mapping[str, Any], where: str) -> list[str]:
    """Problems of ``actual`` against an expected value or rule (empty when it matches)."""
    if is_rule(expected):
        return _rule(expected, actual, refs, where)
    if actual is MISSING or actual is None:
        return [] if expected is None else [f"{where}: missing"]
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if expected is actual else [f"{where}: {actual!r} != {expected!r}"]
    if isinstance(expected, int | float):
        number = _number(actual)
        if number is not None and abs(number - expected) <= NUMBER_TOLERANCE:
            return []
        return [f"{where}: {actual!r} != {expected!r}"]
    if isinstance(expected, str):
        if isinstance(actual, str) and actual.strip().lower() == expected.strip().lower():
            return []
        return [f"{where}: {actual!r} != {expected!r}"]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r} is not a list of {len(expected)}"]
        problems: list[str] = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems += match_value(want, got, refs, f"{where}[{index}]")
        return problems
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{where}: {actual!r} is not an object"]
        return _match_mapping(expected, actual, refs, where, {})
    return [] if expected == actual else [f"{where}: {actual!r} != {expected!r}"]


def _match_mapping(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    refs: Mapping[str, Any],
    where: str,
    defaults: Mapping[str, Any],
    strict: bool = True,
) -> list[str]:
    problems: list[str] = []
    for key, want in expected.items():
        got = actual.get(key, MISSING)
        if is_rule(want) and "absent" in want and key in defaults and got == defaults[key]:
            continue
        problems += match_value(want, got, refs, f"{where}.{key}" if where else key)
    for key, got in actual.items():
        if not strict or key in expected or got is None:
            continue
        if key in defaults and got == defaults[key]:
            continue
        problems.append(f"{where}.{key}" if where else key)
        problems[-1] += f": unexpected {got!r}"
    return problems


def match_call(
    expected_name: str,
    expected_args: Mapping[str, Any],
    name: str,
    args: Mapping[str, Any],
    refs: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    *,
    strict: bool = True,
) -> CallMatch:
    """Compare one call; ``defaults`` are the tool's parameter defaults (they count as absent).

    ``strict=False`` ignores top-level arguments the expectation does not list.
    """
    if name != expected_name:
        return CallMatch(False, [f"tool {name!r} != {expected_name!r}"])
    problems = _match_mapping(expected_args, args, refs, "", defaults or {}, strict)
    return CallMatch(not problems, problems)
