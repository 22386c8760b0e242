"""Tables of the coupons context."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import Base, Timestamps


class CouponKind(enum.StrEnum):
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"


class CouponScope(enum.StrEnum):
    SHOP = "shop"
    CATEGORY = "category"
    PRODUCT = "product"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda k: [m.value for m in k],
    )


class Coupon(Base, Timestamps):
    """A discount: an amount off above a minimum spend, or a percentage off, within a scope."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("amount_off_minor IS NULL OR amount_off_minor > 0", name="amount_positive"),
        CheckConstraint(
            "percent_off IS NULL OR (percent_off BETWEEN 1 AND 100)", name="percent_range"
        ),
        CheckConstraint("min_spend_minor >= 0", name="min_spend_not_negative"),
        CheckConstraint("uses_per_user >= 1", name="uses_positive"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[CouponKind] = mapped_column(_enum(CouponKind, "coupon_kind"))
    amount_off_minor: Mapped[int | None] = mapped_column(Integer, default=None)
    percent_off: Mapped[int | None] = mapped_column(Integer, default=None)
    max_discount_minor: Mapped[int | None] = mapped_column(Integer, default=None)
    min_spend_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    scope: Mapped[CouponScope] = mapped_column(_enum(CouponScope, "coupon_scope"))
    scope_id: Mapped[str | None] = mapped_column(String(40), default=None)
    claim_deadline: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime]
    uses_per_user: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserCoupon(Base):
    """A coupon claimed by a user, and how many of its uses are spent."""

    __tablename__ = "user_coupons"
    __table_args__ = (
        UniqueConstraint("coupon_id", "user_id"),
        CheckConstraint("used_count >= 0", name="used_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime]
