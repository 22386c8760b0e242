"""What the coupons context takes in and gives out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.coupons.models import Coupon, UserCoupon
from services.kernel.money import MoneyOut

CouponCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
    ),
]
MAX_MINOR = 100_000_000


class CouponIn(BaseModel):
    """A new coupon: ``amount_off`` (minor units) above ``min_spend``, or ``percent_off``."""

    model_config = ConfigDict(extra="forbid")

    code: CouponCode
    description: str = Field(default="", max_length=200)
    kind: Literal["amount_off", "percent_off"]
    amount_off: int | None = Field(default=None, ge=1, le=MAX_MINOR)
    percent_off: int | None = Field(default=None, ge=1, le=100)
    max_discount: int | None = Field(default=None, ge=1, le=MAX_MINOR)
    min_spend: int = Field(default=0, ge=0, le=MAX_MINOR)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    scope: Literal["shop", "category", "product"] = "shop"
    scope_id: str | None = Field(default=None, min_length=1, max_length=40)
    claim_deadline: AwareDatetime | None = None
    expires_at: AwareDatetime
    uses_per_user: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _consistent(self) -> CouponIn:
        if self.kind == "amount_off" and (self.amount_off is None or self.percent_off is not None):
            raise ValueError("an amount_off coupon needs amount_off and no percent_off")
        if self.kind == "percent_off" and (self.percent_off is None or self.amount_off is not None):
            raise ValueError("a percent_off coupon needs percent_off and no amount_off")
        if (self.scope == "shop") != (self.scope_id is None):
            raise ValueError("scope_id is required for category/product scope, and only then")
        if self.claim_deadline is not None and self.claim_deadline > self.expires_at:
            raise ValueError("claim_deadline must not be after expires_at")
        return self


class CouponOut(BaseModel):
    """A coupon as shown to shoppers and staff."""

    code: str
    description: str
    kind: str
    amount_off: MoneyOut | None
    percent_off: int | None
    max_discount: MoneyOut | None
    min_spend: MoneyOut
    scope: str
    scope_id: str | None
    claim_deadline: datetime | None
    expires_at: datetime
    uses_per_user: int
    is_active: bool

    @classmethod
    def of(cls, coupon: Coupon) -> CouponOut:
        """From the ORM row."""

        def money(value: int | None) -> MoneyOut | None:
            return None if value is None else MoneyOut.of(value, coupon.currency)

        return cls(
            code=coupon.code,
            description=coupon.description,
            kind=coupon.kind.value,
            amount_off=money(coupon.amount_off_minor),
            percent_off=coupon.percent_off,
            max_discount=money(coupon.max_discount_minor),
            min_spend=MoneyOut.of(coupon.min_spend_minor, coupon.currency),
            scope=coupon.scope.value,
            scope_id=coupon.scope_id,
            claim_deadline=coupon.claim_deadline,
            expires_at=coupon.expires_at,
            uses_per_user=coupon.uses_per_user,
            is_active=coupon.is_active,
        )


class UserCouponOut(BaseModel):
    """A coupon the user has claimed, with the uses left."""

    coupon: CouponOut
    claimed_at: datetime
    uses: int
    uses_left: int
    usable: bool = Field(description="Has uses left and has not expired")

    @classmethod
    def of(cls, claim: UserCoupon, coupon: Coupon, now: datetime) -> UserCouponOut:
        """From the ORM rows."""
        left = max(coupon.uses_per_user - claim.used_count, 0)
        return cls(
            coupon=CouponOut.of(coupon),
            claimed_at=claim.claimed_at,
            uses=claim.used_count,
            uses_left=left,
            usable=left > 0 and coupon.is_active and coupon.expires_at > now,
        )
