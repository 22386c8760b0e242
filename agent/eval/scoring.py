"""Scoring recorded calls against a case, and the run's summary.

* single-step: the first call made matches the expected call exactly (tool and arguments);
* multi-step, scored by end state: the case's end-state checks hold and its expected
  state-changing calls (CART and COMMIT tools: add to cart, place, pay, cancel, ...) were made
  in order, each matched loosely (arguments the case does not list are ignored). The expected
  READ calls (search, get_product, list_orders, ...) only say how the oracle gets there: a run
  may skip them, use another read that finds the same ids, or make extra reads anywhere. A
  multi-step case without end-state checks still needs every expected call in order.
* no-tool: no call at all. "No-tool precision" is the share of replies without a call that
  were right not to call (a model that never calls scores 100% no-tool accuracy but low
  precision).

For comparison with figures measured before the end-state rule, each multi-step result also
records ``all_calls_passed``: every expected call, reads included, in order (and the end
state); the summary reports it as ``multi_step_all_calls``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from agent.eval.cases import CaseKind, EvalCase, ExpectedCall
from agent.eval.matching import CallMatch, match_call


@dataclass
class RecordedCall:
    """A tool call the agent made in the scored turn, and how it ended."""

    name: str
    args: dict[str, Any]
    error: str | None = None


@dataclass
class CaseResult:
    """The outcome of one case."""

    id: str
    family: str
    lang: str
    kind: str
    passed: bool
    calls: list[RecordedCall] = field(default_factory=list)
    reply: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    model_seconds: list[float] = field(default_factory=list)
    error: str | None = None
    raw_first_calls: list[RecordedCall] = field(default_factory=list)
    raw_passed: bool | None = None
    """Single-step and no-tool cases: whether the model's first reply as generated (before
    argument normalisation and repair) would have passed."""
    steps: int = 0
    """How many calls the case expects (0: no-tool)."""
    all_calls_passed: bool | None = None
    """Multi-step cases: whether every expected call, reads included, was made in order and
    the end state held (the rule before scoring by end state)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@cache
def tool_defaults() -> dict[str, dict[str, Any]]:
    """Each shop tool's optional parameters and their defaults (passing a default = absent)."""
    from tools.registry import TOOLS

    defaults: dict[str, dict[str, Any]] = {}
    for tool in TOOLS:
        schema = tool.tool_call_schema
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            defaults[tool.name] = {
                name: info.default
                for name, info in schema.model_fields.items()
                if not info.is_required()
            }
    return defaults


def match_expected(
    expected: ExpectedCall, call: RecordedCall, refs: Mapping[str, Any], *, strict: bool = True
) -> CallMatch:
    """The best match of a call against an expectation (or any of its alternatives)."""
    best: CallMatch | None = None
    for option in expected.options():
        defaults = tool_defaults().get(option.name, {})
        result = match_call(
            option.name, option.args, call.name, call.args, refs, defaults, strict=strict
        )
        if result.ok:
            return result
        if best is None or len(result.problems) < len(best.problems):
            best = result
    assert best is not None
    return best


def match_in_order(
    expected: Sequence[ExpectedCall],
    calls: Sequence[RecordedCall],
    refs: Mapping[str, Any],
    steps: Sequence[int] | None = None,
) -> list[str]:
    """Problems unless each expected call is matched by a later call than the previous one.

    ``steps``: each expected call's step number in its case (default 1, 2, ...), for messages.
    """
    position = 0
    for index, want in enumerate(expected):
        while (
            position < len(calls)
            and not match_expected(want, calls[position], refs, strict=False).ok
        ):
            position += 1
        if position == len(calls):
            names = " | ".join(option.name for option in want.options())
            step = steps[index] if steps else index + 1
            return [f"expected call {step} ({names}) not made in order"]
        position += 1
    return []


def is_read(expected: ExpectedCall) -> bool:
    """True when every option of the expectation is a READ tool (it changes nothing)."""
    from tools.base import ToolKind
    from tools.registry import kind_of

    return all(kind_of(option.name) is ToolKind.READ for option in expected.options())


def required_steps(case: EvalCase) -> list[int]:
    """The step numbers (from 1) of the expected calls a run must make: for a multi-step case
    with end-state checks, only the state-changing ones (its reads are one way of finding the
    ids, not the task)."""
    steps = range(1, len(case.expect.calls) + 1)
    if case.kind is CaseKind.MULTI and case.expect.state:
        return [step for step in steps if not is_read(case.expect.calls[step - 1])]
    return list(steps)


def score_calls(
    case: EvalCase, calls: Sequence[RecordedCall], refs: Mapping[str, Any]
) -> list[str]:
    """Problems with the calls of a case (empty when they pass); state is checked elsewhere."""
    if case.kind is CaseKind.NO_TOOL:
        return [f"called {', '.join(c.name for c in calls)}"] if calls else []
    if case.kind is CaseKind.SINGLE:
        if not calls:
            return ["no tool call"]
        return match_expected(case.expect.calls[0], calls[0], refs).problems
    steps = required_steps(case)
    required = [case.expect.calls[step - 1] for step in steps]
    return match_in_order(required, calls, refs, steps)


@dataclass(frozen=True)
class Rate:
    """passed / total."""

    passed: int
    total: int

    @property
    def value(self) -> float | None:
        """The share, or None without cases."""
        return self.passed / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        value = self.value
        return {
            "passed": self.passed,
            "total": self.total,
            "rate": None if value is None else round(value, 4),
        }


def _rate(results: Iterable[CaseResult]) -> Rate:
    chosen = list(results)
    return Rate(sum(r.passed for r in chosen), len(chosen))


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 3)


def _grouped(results: Iterable[CaseResult], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[str(getattr(result, key))].append(result)
    return {name: _rate(group).to_dict() for name, group in sorted(groups.items())}


def _seconds_by_steps(results: Iterable[CaseResult]) -> dict[str, float | None]:
    groups: dict[str, list[float]] = defaultdict(list)
    for result in results:
        if result.error is None:
            groups[str(result.steps)].append(result.seconds)
    return {steps: _percentile(seconds, 50) for steps, seconds in sorted(groups.items())}


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The run's figures: headline rates, per family, kind, step count and language, latency."""
    by_kind = {kind: [r for r in results if r.kind == kind.value] for kind in CaseKind}
    texted = [r for r in results if not r.calls and r.error is None]
    turn_seconds = [r.seconds for r in results if r.error is None]
    single_seconds = [r.seconds for r in by_kind[CaseKind.SINGLE] if r.error is None]
    model_seconds = [s for r in results for s in r.model_seconds]
    raw = {
        kind.value: Rate(
            sum(bool(r.raw_passed) for r in by_kind[kind]), len(by_kind[kind])
        ).to_dict()
        for kind in (CaseKind.SINGLE, CaseKind.NO_TOOL)
        if any(r.raw_passed is not None for r in by_kind[kind])
    }
    return {
        "cases": len(results),
        "overall": _rate(results).to_dict(),
        "before_repair": raw,
        "single_step_exact": _rate(by_kind[CaseKind.SINGLE]).to_dict(),
        "multi_step_success": _rate(by_kind[CaseKind.MULTI]).to_dict(),
        "multi_step_all_calls": Rate(
            sum(bool(r.all_calls_passed) for r in by_kind[CaseKind.MULTI]),
            len(by_kind[CaseKind.MULTI]),
        ).to_dict(),
        "no_tool_accuracy": _rate(by_kind[CaseKind.NO_TOOL]).to_dict(),
        "no_tool_precision": Rate(
            sum(r.kind == CaseKind.NO_TOOL.value for r in texted), len(texted)
        ).to_dict(),
        "errors": sum(r.error is not None for r in results),
        "families": _grouped(results, "family"),
        "kinds": _grouped(results, "kind"),
        "steps": _grouped(results, "steps"),
        "languages": _grouped(results, "lang"),
        "latency_seconds": {
            "turn_p50": _percentile(turn_seconds, 50),
            "turn_p90": _percentile(turn_seconds, 90),
            "single_step_turn_p50": _percentile(single_seconds, 50),
            "model_call_p50": _percentile(model_seconds, 50),
            "model_call_p90": _percentile(model_seconds, 90),
            "model_calls": len(model_seconds),
            "turn_p50_by_steps": _seconds_by_steps(results),
        },
    }
