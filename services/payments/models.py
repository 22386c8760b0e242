"""Tables of the payments context: the money ledger and single-use payment tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import Base


class EntryKind(enum.StrEnum):
    CHARGE = "charge"
    REFUND = "refund"


class EntryStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Purpose(enum.StrEnum):
    """Why money moved."""

    PAYMENT = "payment"  # the order's payment (two-step pay)
    ADJUSTMENT = "adjustment"  # price difference of swapped items before shipping
    PAYMENT_CHANGE = "payment_change"  # moving a paid order to another payment method
    CANCELLATION = "cancellation"
    RETURN = "return"
    EXCHANGE = "exchange"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda k: [m.value for m in k],
    )


class LedgerEntry(Base):
    """One charge or refund attempt. Rows are only ever added, never changed.

    ``operation_key`` names the business operation a successful row belongs to
    (``ord_x:payment`` for an order's payment); its unique constraint is what guarantees that
    an order's payment is captured at most once and that no refund is made twice, whatever the
    retries or races. Failed attempts carry no key.
    """

    __tablename__ = "payment_ledger"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_payment_ledger_order", "order_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "ledger_kind"))
    status: Mapped[EntryStatus] = mapped_column(_enum(EntryStatus, "ledger_status"))
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose, "ledger_purpose"))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    payment_method_id: Mapped[str] = mapped_column(String(40))
    method_kind: Mapped[str] = mapped_column(String(20))
    gateway_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    charge_entry_id: Mapped[str | None] = mapped_column(
        ForeignKey("payment_ledger.id"), default=None
    )
    operation_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    failure_code: Mapped[str | None] = mapped_column(String(60), default=None)
    created_at: Mapped[datetime]


class PaymentToken(Base):
    """A single-use token that authorises one payment attempt of one order (stored hashed)."""

    __tablename__ = "payment_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
