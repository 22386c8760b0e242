"""Train tasks whose end state deliberately differs from τ's reference tools, and why.

``tau replay`` names them next to their mismatch; the train replay test asserts that these and
only these differ.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownDifference:
    """Where our end state differs (a path prefix of the first difference) and why."""

    where: str
    reason: str


_LAST_ITEM_QUIRK = (
    "τ's reference modify_pending_order_items gives every modified item the options and price "
    "of the last new item in the list; our order lines each take their own new variant (the "
    "payment history, computed per item by both, matches)"
)
_REFUND_DESTINATION = (
    "the exchange's price difference would be refunded to a credit card that did not pay for "
    "the order; our shop refunds only to the original payment method or a gift card (τ applies "
    "that rule to returns but not to exchanges)"
)

KNOWN_DIFFERENCES: dict[str, KnownDifference] = {
    "20": KnownDifference("orders.#W9911714.items", _LAST_ITEM_QUIRK),
    "21": KnownDifference("orders.#W9911714.items", _LAST_ITEM_QUIRK),
    "37": KnownDifference("orders.#W9348897.items", _LAST_ITEM_QUIRK),
    "99": KnownDifference("orders.#W3916020.exchange", _REFUND_DESTINATION),
}


def known_difference(task_id: str, difference: str | None) -> KnownDifference | None:
    """The documented reason for a task's first difference, if it is the documented one."""
    known = KNOWN_DIFFERENCES.get(task_id)
    if known is None or difference is None or not difference.startswith(known.where):
        return None
    return known
