"""Scoring recorded calls against a case, and the run's summary.

* single-step: the first call made matches the expected call exactly (tool and arguments);
* multi-step: the expected calls were made in order (other calls may come between; arguments
  the case does not list are ignored) and the end state holds;
* no-tool: no call at all. "No-tool precision" is the share of replies without a call that
  were right not to call (a model that never calls scores 100% no-tool accuracy but low
  precision).
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
    expected: Sequence[ExpectedCall], calls: Sequence[RecordedCall], refs: Mapping[str, Any]
) -> list[str]:
    """Problems unless each expected call is matched by a later call than the previous one."""
    position = 0
    for index, want in enumerate(expected):
        while (
            position < len(calls)
            and not match_expected(want, calls[position], refs, strict=False).ok
        ):
            position += 1
        if position == len(calls):
            names = " | ".join(option.name for option in want.options())
            return [f"expected call {index + 1} ({names}) not made in order"]
        position += 1
    return []


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
    return match_in_order(case.expect.calls, calls, refs)


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


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The run's figures: the three headline rates, per family and language, latency."""
    by_kind = {kind: [r for r in results if r.kind == kind.value] for kind in CaseKind}
    texted = [r for r in results if not r.calls and r.error is None]
    families: dict[str, list[CaseResult]] = defaultdict(list)
    languages: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        families[result.family].append(result)
        languages[result.lang].append(result)
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
        "no_tool_accuracy": _rate(by_kind[CaseKind.NO_TOOL]).to_dict(),
        "no_tool_precision": Rate(
            sum(r.kind == CaseKind.NO_TOOL.value for r in texted), len(texted)
        ).to_dict(),
        "errors": sum(r.error is not None for r in results),
        "families": {name: _rate(group).to_dict() for name, group in sorted(families.items())},
        "languages": {name: _rate(group).to_dict() for name, group in sorted(languages.items())},
        "latency_seconds": {
            "turn_p50": _percentile(turn_seconds, 50),
            "turn_p90": _percentile(turn_seconds, 90),
            "single_step_turn_p50": _percentile(single_seconds, 50),
            "model_call_p50": _percentile(model_seconds, 50),
            "model_call_p90": _percentile(model_seconds, 90),
            "model_calls": len(model_seconds),
        },
    }
