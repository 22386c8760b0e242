"""Moving money with the in-memory gateway and a fake unit of work: charges, refunds, voids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.kernel.clock import FrozenClock
from services.payments.errors import InsufficientFunds, PaymentProcessingError
from services.payments.gateway import MockPaymentGateway
from services.payments.models import EntryKind, EntryStatus, LedgerEntry, Purpose
from services.payments.moves import MoneyMover, Payer
from services.users.models import PaymentKind, PaymentMethod

PAYER = Payer("ord_1", "usr_1", "USD")


class FakeUsers:
    """Gift card balances in a dict, with the repository's conditional semantics."""

    def __init__(self, **balances: int) -> None:
        self.balances = dict(balances)

    async def debit_gift_card(self, card: str, amount: int, currency: str, now: Any) -> bool:
        if self.balances.get(card, -1) < amount:
            return False
        self.balances[card] -= amount
        return True

    async def credit_gift_card(self, card: str, amount: int, currency: str, now: Any) -> bool:
        if card not in self.balances:
            return False
        self.balances[card] += amount
        return True


class FakePayments:
    def __init__(self) -> None:
        self.rows: list[LedgerEntry] = []

    def add(self, row: LedgerEntry) -> None:
        self.rows.append(row)


class FakeUow:
    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.payments = FakePayments()
        self.clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))


class CountingGateway(MockPaymentGateway):
    """The mock provider, counting the calls that reach it."""

    def __init__(self, transient_failures: int = 1) -> None:
        super().__init__(FrozenClock(), transient_failures=transient_failures)
        self.charges = 0
        self.refunds: list[tuple[str, int]] = []

    async def charge(
        self, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> Any:
        self.charges += 1
        return await super().charge(token, amount_minor, currency, idempotency_key)

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> Any:
        self.refunds.append((charge_id, amount_minor))
        return await super().refund(charge_id, amount_minor, currency, idempotency_key)


async def card(gateway: MockPaymentGateway, number: str = "4242424242424242") -> PaymentMethod:
    token = await gateway.tokenize_card(number, 12, 2099, "123")
    return PaymentMethod(id="pm_card", kind=PaymentKind.CARD, provider_token=token.token)


def gift(card_id: str = "gc_1", method_id: str = "pm_gift") -> PaymentMethod:
    return PaymentMethod(id=method_id, kind=PaymentKind.GIFT_CARD, gift_card_id=card_id)


async def test_a_card_charge_is_recorded_with_its_operation_key() -> None:
    gateway, uow = CountingGateway(), FakeUow(FakeUsers())
    mover = MoneyMover(gateway)
    entry = await mover.charge(
        uow,
        PAYER,
        await card(gateway),
        2500,
        purpose=Purpose.PAYMENT,
        operation_key="ord_1:payment",
    )
    assert (entry.kind, entry.status, entry.amount_minor) == (
        EntryKind.CHARGE,
        EntryStatus.SUCCEEDED,
        2500,
    )
    assert entry.operation_key == "ord_1:payment"
    assert entry.gateway_ref is not None
    assert entry.gateway_ref.startswith("ch_")
    assert uow.payments.rows == [entry]


async def test_transient_failures_are_retried_with_the_same_key() -> None:
    gateway, uow = CountingGateway(transient_failures=2), FakeUow(FakeUsers())
    mover = MoneyMover(gateway, attempts=3, backoff_seconds=0)
    method = await card(gateway, "4000000000000119")
    await mover.charge(uow, PAYER, method, 100, purpose=Purpose.PAYMENT, operation_key="k")
    assert gateway.charges == 3
    assert len(uow.payments.rows) == 1


async def test_giving_up_after_the_last_attempt_raises_503_and_records_nothing() -> None:
    gateway, uow = CountingGateway(transient_failures=5), FakeUow(FakeUsers())
    mover = MoneyMover(gateway, attempts=2, backoff_seconds=0)
    method = await card(gateway, "4000000000000119")
    with pytest.raises(PaymentProcessingError):
        await mover.charge(uow, PAYER, method, 100, purpose=Purpose.PAYMENT, operation_key="k")
    assert uow.payments.rows == []


async def test_a_gift_card_is_debited_only_when_it_covers_the_amount() -> None:
    users = FakeUsers(gc_1=3000)
    uow, mover = FakeUow(users), MoneyMover(CountingGateway())
    with pytest.raises(InsufficientFunds):
        await mover.charge(uow, PAYER, gift(), 3001, purpose=Purpose.PAYMENT, operation_key="a")
    await mover.charge(uow, PAYER, gift(), 3000, purpose=Purpose.PAYMENT, operation_key="b")
    assert users.balances == {"gc_1": 0}


async def test_refunds_go_back_the_way_the_money_came() -> None:
    gateway, users = CountingGateway(), FakeUsers(gc_1=1000)
    uow, mover = FakeUow(users), MoneyMover(gateway)
    on_card = await mover.charge(
        uow, PAYER, await card(gateway), 4000, purpose=Purpose.PAYMENT, operation_key="p"
    )
    uow.clock.advance(minutes=1)
    await mover.charge(uow, PAYER, gift(), 500, purpose=Purpose.ADJUSTMENT, operation_key="a")
    refunds = await mover.refund(
        uow,
        PAYER,
        1500,
        purpose=Purpose.CANCELLATION,
        operation_key="c",
        entries=list(uow.payments.rows),
    )
    assert [(r.payment_method_id, r.amount_minor) for r in refunds] == [
        ("pm_gift", 500),
        ("pm_card", 1000),
    ]
    assert [r.operation_key for r in refunds] == ["c:0", "c:1"]
    assert users.balances == {"gc_1": 1000}
    assert gateway.refunds == [(on_card.gateway_ref, 1000)]


async def test_a_refund_can_go_to_a_gift_card_the_user_names() -> None:
    gateway, users = CountingGateway(), FakeUsers(gc_2=0)
    uow, mover = FakeUow(users), MoneyMover(gateway)
    await mover.charge(
        uow, PAYER, await card(gateway), 2000, purpose=Purpose.PAYMENT, operation_key="p"
    )
    (refund,) = await mover.refund(
        uow,
        PAYER,
        2000,
        purpose=Purpose.RETURN,
        operation_key="r",
        entries=list(uow.payments.rows),
        to_gift_card=gift("gc_2", "pm_other_gift"),
    )
    assert (refund.payment_method_id, refund.method_kind) == ("pm_other_gift", "gift_card")
    assert users.balances == {"gc_2": 2000}
    assert gateway.refunds == []


async def charge_then_fail(
    mover: MoneyMover, uow: FakeUow, method: PaymentMethod, made: list[LedgerEntry]
) -> None:
    """Charge inside ``voided_on_error``, then fail as a later step or the commit would."""
    async with mover.voided_on_error() as charges:
        entry = await mover.charge(
            uow, PAYER, method, 700, purpose=Purpose.ADJUSTMENT, operation_key="x"
        )
        charges.append(entry)
        made.append(entry)
        raise RuntimeError("commit failed")


async def test_charges_made_in_a_failed_unit_of_work_are_voided_at_the_gateway() -> None:
    gateway, uow = CountingGateway(), FakeUow(FakeUsers())
    mover, made = MoneyMover(gateway), []  # type: ignore[var-annotated]
    with pytest.raises(RuntimeError, match="commit failed"):
        await charge_then_fail(mover, uow, await card(gateway), made)
    assert gateway.refunds == [(made[0].gateway_ref, 700)]


async def test_gift_card_debits_need_no_void_since_they_roll_back() -> None:
    gateway, uow = CountingGateway(), FakeUow(FakeUsers(gc_1=900))
    mover, made = MoneyMover(gateway), []  # type: ignore[var-annotated]
    with pytest.raises(RuntimeError, match="commit failed"):
        await charge_then_fail(mover, uow, gift(), made)
    assert len(made) == 1
    assert gateway.refunds == []
