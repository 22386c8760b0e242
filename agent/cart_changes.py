"""The cart changes of a turn, in plain words, computed from the tool results (not by the model).

Cart tools run without a confirmation, so a model steered by injected text could change the cart
unasked. The chat layer therefore lists every change a cart tool made this turn next to the reply,
where the shopper sees it whatever the model says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agent.schemas import ToolCallOut

Describe = Callable[[dict[str, Any], Any, dict[str, str]], str]


def _line_of(result: Any, variant_id: Any) -> dict[str, Any] | None:
    lines = result.get("lines", []) if isinstance(result, dict) else []
    return next((line for line in lines if line.get("variant_id") == variant_id), None)


def _label(line: dict[str, Any]) -> str:
    options = ", ".join(str(value) for value in (line.get("options") or {}).values())
    return f"{line.get('product_name', line.get('variant_id'))}" + (
        f" ({options})" if options else ""
    )


def _remember(result: Any, labels: dict[str, str]) -> None:
    """Name the variants a cart result shows, for lines a later call removes."""
    for line in result.get("lines", []) if isinstance(result, dict) else []:
        labels[str(line.get("variant_id"))] = _label(line)


def _name(variant_id: Any, labels: dict[str, str]) -> str:
    return labels.get(str(variant_id), f"variant {variant_id}")


def _added(args: dict[str, Any], result: Any, labels: dict[str, str]) -> str:
    variant_id = args.get("variant_id")
    line = _line_of(result, variant_id)
    now = f", now {line['quantity']} in the cart" if line is not None else ""
    return f"Added {args.get('quantity', 1)} × {_name(variant_id, labels)}{now}"


def _set(args: dict[str, Any], result: Any, labels: dict[str, str]) -> str:
    return f"Set {_name(args.get('variant_id'), labels)} to {args.get('quantity')}"


def _removed(args: dict[str, Any], result: Any, labels: dict[str, str]) -> str:
    return f"Removed {_name(args.get('variant_id'), labels)} from the cart"


def _cleared(args: dict[str, Any], result: Any, labels: dict[str, str]) -> str:
    return "Emptied the cart"


def _claimed(args: dict[str, Any], result: Any, labels: dict[str, str]) -> str:
    coupon = result.get("coupon", {}) if isinstance(result, dict) else {}
    return f"Claimed coupon {coupon.get('code') or args.get('code')}"


CART_CHANGERS: dict[str, Describe] = {
    "add_to_cart": _added,
    "set_cart_quantity": _set,
    "remove_from_cart": _removed,
    "clear_cart": _cleared,
    "claim_coupon": _claimed,
}


def cart_changes(calls: Sequence[ToolCallOut]) -> list[str]:
    """One line per successful cart-changing call, in the order they ran (failures changed
    nothing)."""
    labels: dict[str, str] = {}
    changes = []
    for call in calls:
        if call.error is not None:
            continue
        _remember(call.result, labels)
        describe = CART_CHANGERS.get(call.name)
        if describe is not None:
            changes.append(describe(call.args, call.result, labels))
    return changes
