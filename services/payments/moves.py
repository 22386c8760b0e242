"""Moving money: charge a payment method or refund charges, and write the ledger rows.

Every call runs inside the caller's unit of work. Each gateway call carries an idempotency key
derived from the business operation, and each successful ledger row carries the operation's
unique key, so a retried or raced operation can neither charge nor refund twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from services.kernel.errors import ShopError
from services.kernel.ids import new_id
from services.payments.allocation import allocate, refundable
from services.payments.errors import (
    InsufficientFunds,
    PaymentMethodNotChargeable,
    PaymentProcessingError,
)
from services.payments.gateway import PaymentGateway
from services.payments.models import EntryKind, EntryStatus, LedgerEntry, Purpose
from services.uow import ShopUnitOfWork
from services.users.models import PaymentKind, PaymentMethod

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Payer:
    """Whose money moves, for which order, in which currency."""

    order_id: str
    user_id: str
    currency: str


class MoneyMover:
    """Charges and refunds through the gateway (cards, PayPal) or the gift card balance."""

    def __init__(
        self, gateway: PaymentGateway, *, attempts: int = 3, backoff_seconds: float = 0.02
    ) -> None:
        self._gateway = gateway
        self._attempts = attempts
        self._backoff = backoff_seconds

    async def charge(
        self,
        uow: ShopUnitOfWork,
        payer: Payer,
        method: PaymentMethod,
        amount: int,
        *,
        purpose: Purpose,
        operation_key: str,
        gateway_key: str | None = None,
    ) -> LedgerEntry:
        """Take ``amount`` from ``method`` and record it; raises the refusal (402) or 503."""
        now = uow.clock.now()
        if method.kind == PaymentKind.GIFT_CARD:
            assert method.gift_card_id is not None
            if not await uow.users.debit_gift_card(
                method.gift_card_id, amount, payer.currency, now
            ):
                raise InsufficientFunds(
                    "The gift card balance does not cover the amount.",
                    details={"payment_method_id": method.id, "amount": amount},
                )
            ref = method.gift_card_id
        else:
            ref = await self._gateway_charge(
                method, amount, payer.currency, gateway_key or operation_key
            )
        entry = _entry(payer, method.id, method.kind.value, EntryKind.CHARGE, amount, purpose, now)
        entry.gateway_ref = ref
        entry.operation_key = operation_key
        uow.payments.add(entry)
        return entry

    def failed_charge(
        self,
        uow: ShopUnitOfWork,
        payer: Payer,
        method: PaymentMethod,
        amount: int,
        purpose: Purpose,
        error: ShopError,
    ) -> LedgerEntry:
        """Record a refused charge attempt (the audit trail of declines)."""
        now = uow.clock.now()
        entry = _entry(payer, method.id, method.kind.value, EntryKind.CHARGE, amount, purpose, now)
        entry.status = EntryStatus.FAILED
        entry.failure_code = error.code
        uow.payments.add(entry)
        return entry

    async def refund(
        self,
        uow: ShopUnitOfWork,
        payer: Payer,
        amount: int,
        *,
        purpose: Purpose,
        operation_key: str,
        entries: Sequence[LedgerEntry],
        to_gift_card: PaymentMethod | None = None,
    ) -> list[LedgerEntry]:
        """Refund ``amount`` against the order's charges, newest first.

        Money goes back the way it came (card or PayPal through the gateway, gift cards credited
        at once), or onto ``to_gift_card`` when the user named one.
        """
        rows: list[LedgerEntry] = []
        now = uow.clock.now()
        for n, (charge, part) in enumerate(allocate(refundable(entries), amount)):
            key = f"{operation_key}:{n}"
            if to_gift_card is not None:
                assert to_gift_card.gift_card_id is not None
                await self._credit(uow, to_gift_card.gift_card_id, part, payer.currency, now)
                method_id, kind = to_gift_card.id, PaymentKind.GIFT_CARD.value
                ref = to_gift_card.gift_card_id
            elif charge.method_kind == PaymentKind.GIFT_CARD.value:
                assert charge.gateway_ref is not None
                await self._credit(uow, charge.gateway_ref, part, payer.currency, now)
                method_id, kind, ref = (
                    charge.payment_method_id,
                    charge.method_kind,
                    charge.gateway_ref,
                )
            else:
                assert charge.gateway_ref is not None
                ref = await self._gateway_refund(charge.gateway_ref, part, payer.currency, key)
                method_id, kind = charge.payment_method_id, charge.method_kind
            row = _entry(payer, method_id, kind, EntryKind.REFUND, part, purpose, now)
            row.gateway_ref = ref
            row.charge_entry_id = charge.id
            row.operation_key = key
            uow.payments.add(row)
            rows.append(row)
        return rows

    @asynccontextmanager
    async def voided_on_error(self) -> AsyncIterator[list[LedgerEntry]]:
        """Collect the charges of a unit of work; if it then fails (a later refusal, a failed
        commit), the gateway charges among them are refunded, since their rows are rolled back.
        Gift card debits need nothing: they roll back with the transaction."""
        charges: list[LedgerEntry] = []
        try:
            yield charges
        except BaseException:
            for entry in charges:
                await self._void(entry)
            raise

    async def _void(self, entry: LedgerEntry) -> None:
        if entry.method_kind == PaymentKind.GIFT_CARD.value or entry.gateway_ref is None:
            return
        try:
            await self._gateway_refund(
                entry.gateway_ref, entry.amount_minor, entry.currency, f"{entry.operation_key}:void"
            )
        except Exception:
            log.exception("could not void charge %s of order %s", entry.gateway_ref, entry.order_id)

    @staticmethod
    async def _credit(
        uow: ShopUnitOfWork, gift_card_id: str, amount: int, currency: str, now: datetime
    ) -> None:
        if not await uow.users.credit_gift_card(gift_card_id, amount, currency, now):
            raise ShopError("The gift card to refund to is missing.", details={"id": gift_card_id})

    async def _gateway_charge(
        self, method: PaymentMethod, amount: int, currency: str, key: str
    ) -> str:
        """Charge a card or PayPal account, retrying transient failures with the same key."""
        for attempt in range(1, self._attempts + 1):
            try:
                if method.kind == PaymentKind.PAYPAL and method.paypal_email:
                    result = await self._gateway.charge_paypal(
                        method.paypal_email, amount, currency, key
                    )
                else:
                    result = await self._gateway.charge(_card_token(method), amount, currency, key)
                return result.charge_id
            except PaymentProcessingError:
                if attempt == self._attempts:
                    raise
                await asyncio.sleep(self._backoff * attempt)
        raise AssertionError("unreachable")

    async def _gateway_refund(self, charge_id: str, amount: int, currency: str, key: str) -> str:
        for attempt in range(1, self._attempts + 1):
            try:
                return (await self._gateway.refund(charge_id, amount, currency, key)).refund_id
            except PaymentProcessingError:
                if attempt == self._attempts:
                    raise
                await asyncio.sleep(self._backoff * attempt)
        raise AssertionError("unreachable")


def _entry(
    payer: Payer,
    method_id: str,
    kind: str,
    entry_kind: EntryKind,
    amount: int,
    purpose: Purpose,
    now: datetime,
) -> LedgerEntry:
    return LedgerEntry(
        id=new_id("led"),
        order_id=payer.order_id,
        user_id=payer.user_id,
        kind=entry_kind,
        status=EntryStatus.SUCCEEDED,
        purpose=purpose,
        amount_minor=amount,
        currency=payer.currency,
        payment_method_id=method_id,
        method_kind=kind,
        created_at=now,
    )


def _card_token(method: PaymentMethod) -> str:
    """The provider's token of a saved card."""
    if method.provider_token:
        return method.provider_token
    raise PaymentMethodNotChargeable(
        "This card was saved without a provider token and cannot be charged; add it again.",
        details={"payment_method_id": method.id},
    )
