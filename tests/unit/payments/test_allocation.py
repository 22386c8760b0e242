"""Ledger arithmetic: what an order has paid and which charges a refund draws on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.payments.allocation import allocate, net_paid, refundable
from services.payments.errors import RefundExceedsCharge
from services.payments.models import EntryKind, EntryStatus, LedgerEntry, Purpose

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def entry(
    id_: str,
    kind: EntryKind,
    amount: int,
    minute: int,
    *,
    status: EntryStatus = EntryStatus.SUCCEEDED,
    charge: str | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        id=id_,
        order_id="ord",
        user_id="usr",
        kind=kind,
        status=status,
        purpose=Purpose.PAYMENT,
        amount_minor=amount,
        currency="USD",
        payment_method_id="pm",
        method_kind="card",
        charge_entry_id=charge,
        created_at=T0 + timedelta(minutes=minute),
    )


CHARGE, REFUND = EntryKind.CHARGE, EntryKind.REFUND


def test_net_paid_is_charges_less_refunds_ignoring_failures() -> None:
    rows = [
        entry("c0", CHARGE, 5000, 0, status=EntryStatus.FAILED),
        entry("c1", CHARGE, 5000, 1),
        entry("c2", CHARGE, 700, 2),
        entry("r1", REFUND, 1200, 3, charge="c1"),
    ]
    assert net_paid(rows) == 4500


def test_refundable_lists_newest_charges_first_with_what_is_left() -> None:
    rows = [
        entry("c1", CHARGE, 5000, 1),
        entry("c2", CHARGE, 700, 2),
        entry("r1", REFUND, 700, 3, charge="c2"),
        entry("r2", REFUND, 1000, 4, charge="c1"),
    ]
    assert [(item.entry.id, item.remaining) for item in refundable(rows)] == [("c1", 4000)]


def test_allocate_draws_on_the_newest_charge_first() -> None:
    rows = [entry("c1", CHARGE, 5000, 1), entry("c2", CHARGE, 700, 2)]
    parts = allocate(refundable(rows), 1000)
    assert [(charge.id, amount) for charge, amount in parts] == [("c2", 700), ("c1", 300)]


def test_allocate_refuses_more_than_is_left() -> None:
    rows = [entry("c1", CHARGE, 5000, 1), entry("r1", REFUND, 4500, 2, charge="c1")]
    with pytest.raises(RefundExceedsCharge) as caught:
        allocate(refundable(rows), 501)
    assert caught.value.details == {"requested": 501, "refundable": 500}


def test_allocate_of_nothing_moves_nothing() -> None:
    assert allocate(refundable([entry("c1", CHARGE, 5000, 1)]), 0) == []
