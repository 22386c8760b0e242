"""Ledger arithmetic without a database: what was paid, and which charges a refund draws on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.payments.errors import RefundExceedsCharge
from services.payments.models import EntryKind, EntryStatus, LedgerEntry


@dataclass(frozen=True, slots=True)
class Refundable:
    """A successful charge and how much of it has not been refunded yet."""

    entry: LedgerEntry
    remaining: int


def succeeded(entries: Sequence[LedgerEntry], kind: EntryKind) -> list[LedgerEntry]:
    """The successful entries of one kind, oldest first."""
    rows = [e for e in entries if e.kind == kind and e.status == EntryStatus.SUCCEEDED]
    return sorted(rows, key=lambda e: (e.created_at, e.id))


def net_paid(entries: Sequence[LedgerEntry]) -> int:
    """Charged minus refunded, in minor units."""
    charged = sum(e.amount_minor for e in succeeded(entries, EntryKind.CHARGE))
    refunded = sum(e.amount_minor for e in succeeded(entries, EntryKind.REFUND))
    return charged - refunded


def refundable(entries: Sequence[LedgerEntry]) -> list[Refundable]:
    """Charges with money left to refund, newest first (refunds undo the latest charges first)."""
    refunded: dict[str, int] = {}
    for refund in succeeded(entries, EntryKind.REFUND):
        if refund.charge_entry_id is not None:
            key = refund.charge_entry_id
            refunded[key] = refunded.get(key, 0) + refund.amount_minor
    left = [
        Refundable(charge, charge.amount_minor - refunded.get(charge.id, 0))
        for charge in reversed(succeeded(entries, EntryKind.CHARGE))
    ]
    return [item for item in left if item.remaining > 0]


def allocate(charges: Sequence[Refundable], amount: int) -> list[tuple[LedgerEntry, int]]:
    """Split a refund over charges in the given order; refuses more than they have left."""
    available = sum(item.remaining for item in charges)
    if amount > available:
        raise RefundExceedsCharge(
            "The refund is larger than what is left of the order's payments.",
            details={"requested": amount, "refundable": available},
        )
    parts: list[tuple[LedgerEntry, int]] = []
    rest = amount
    for item in charges:
        if rest == 0:
            break
        take = min(item.remaining, rest)
        parts.append((item.entry, take))
        rest -= take
    return parts
