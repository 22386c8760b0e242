"""Comparing τ records: ours against the import (what changed) and against τ's expected state.

Normalisation, applied to both sides before comparing:

- money (``price``, ``amount``, ``balance``, ``exchange_price_difference``) is compared in whole
  cents, each side rounded half-up to the cent. τ's reference tools sum unrounded floats in
  places (a price difference of ``0.04999999999999716``, ``71.96000000000001``); our ledger
  holds integer cents, so the honest comparison is at the cent, with no further tolerance;
- an optional order field (``cancel_reason``, return and exchange fields) that is absent equals
  one that is null, as τ's ``db.json`` leaves them out and its dumps write null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.kernel.money import to_minor

MONEY_KEYS = frozenset({"price", "amount", "balance", "exchange_price_difference"})
OPTIONAL_ORDER_KEYS = (
    "cancel_reason",
    "exchange_items",
    "exchange_new_items",
    "exchange_payment_method_id",
    "exchange_price_difference",
    "return_items",
    "return_payment_method_id",
)
KINDS = ("orders", "users", "products")

Records = Mapping[str, Mapping[str, Any]]
Document = Mapping[str, Records]


def normalise(value: Any, key: str = "") -> Any:
    """Money as integer cents, recursively; everything else unchanged."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if key in MONEY_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
        return to_minor(value)
    return value


def normalise_record(kind: str, record: Mapping[str, Any]) -> Any:
    """A record ready for comparison (orders get every optional key, null when unset)."""
    data = dict(record)
    if kind == "orders":
        for key in OPTIONAL_ORDER_KEYS:
            data.setdefault(key, None)
    return normalise(data)


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Where two values first differ (``items[1].price: 26111 != 5404``), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                return f"{path}.{key}: missing"
            if key not in expected:
                return f"{path}.{key}: unexpected {actual[key]!r}"
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} entries expected, {len(actual)} found"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != actual:
        return f"{path}: expected {expected!r}, found {actual!r}"
    return None


def changed_records(before: Document, after: Document) -> dict[str, dict[str, Any]]:
    """Records of ``after`` that differ from ``before`` (after normalisation), per kind."""
    changed: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        old, new = before.get(kind, {}), after.get(kind, {})
        for record_id, record in new.items():
            previous = old.get(record_id)
            if previous is None or normalise_record(kind, previous) != normalise_record(
                kind, record
            ):
                changed[kind][record_id] = dict(record)
    return changed


@dataclass(frozen=True)
class Verdict:
    """Whether our end state matches τ's expected one, and the first difference if not."""

    match: bool
    difference: str | None = None


def compare_changes(
    expected: Mapping[str, Records], ours: Mapping[str, Records], baseline: Document
) -> Verdict:
    """Compare the records each side changed: the same records, in the same final state.

    A record only one side changed is compared with the other side's unchanged record (the
    baseline), so the difference points at the field that moved.
    """
    for kind in KINDS:
        theirs, mine = expected.get(kind, {}), ours.get(kind, {})
        for record_id in sorted(set(theirs) | set(mine)):
            want = theirs.get(record_id) or baseline.get(kind, {}).get(record_id)
            got = mine.get(record_id) or baseline.get(kind, {}).get(record_id)
            if want is None or got is None:
                side = "expected" if got is None else "found"
                return Verdict(False, f"{kind}.{record_id}: only {side}")
            found = first_difference(
                normalise_record(kind, want), normalise_record(kind, got), f"{kind}.{record_id}"
            )
            if found:
                return Verdict(False, found)
    return Verdict(True)
