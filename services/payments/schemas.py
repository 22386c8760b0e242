"""What the payments context takes in and gives out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.kernel.money import MoneyOut
from services.payments.models import LedgerEntry


class PayIn(BaseModel):
    """Pay an order with a saved payment method and a token from ``/payment-token``."""

    model_config = ConfigDict(extra="forbid")

    payment_method_id: str = Field(min_length=1, max_length=40)
    payment_token: str = Field(min_length=16, max_length=200)


class PaymentTokenOut(BaseModel):
    """A single-use token that authorises one payment attempt of the order."""

    order_id: str
    payment_token: str
    expires_at: datetime


class LedgerEntryOut(BaseModel):
    """One charge or refund (failed attempts included, with their reason)."""

    id: str
    order_id: str
    kind: str
    status: str
    purpose: str
    amount: MoneyOut
    payment_method_id: str
    method_kind: str
    failure_code: str | None
    created_at: datetime

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        """From the ledger row."""
        return cls(
            id=entry.id,
            order_id=entry.order_id,
            kind=entry.kind.value,
            status=entry.status.value,
            purpose=entry.purpose.value,
            amount=MoneyOut.of(entry.amount_minor, entry.currency),
            payment_method_id=entry.payment_method_id,
            method_kind=entry.method_kind,
            failure_code=entry.failure_code,
            created_at=entry.created_at,
        )
