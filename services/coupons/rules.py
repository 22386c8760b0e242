"""Coupon arithmetic and eligibility, without a database (unit-tested directly).

The discount of a coupon only counts the lines in its scope: a category coupon discounts the
lines of that category, and its minimum spend is measured on those lines too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.coupons.models import Coupon, CouponKind, CouponScope
from services.kernel.money import Money, format_money


@dataclass(frozen=True, slots=True)
class CouponLine:
    """What a coupon needs to know about one order line."""

    product_id: str
    category_id: str
    total_minor: int


def in_scope(coupon: Coupon, line: CouponLine) -> bool:
    """True when the coupon applies to this line."""
    if coupon.scope == CouponScope.CATEGORY:
        return line.category_id == coupon.scope_id
    if coupon.scope == CouponScope.PRODUCT:
        return line.product_id == coupon.scope_id
    return True


def eligible_amount(coupon: Coupon, lines: Sequence[CouponLine]) -> int:
    """Sum of the lines the coupon applies to."""
    return sum(line.total_minor for line in lines if in_scope(coupon, line))


def discount(coupon: Coupon, lines: Sequence[CouponLine]) -> int:
    """The discount in minor units, never more than the eligible amount (0 when not eligible)."""
    base = eligible_amount(coupon, lines)
    if base == 0 or base < coupon.min_spend_minor:
        return 0
    if coupon.kind == CouponKind.AMOUNT_OFF:
        off = coupon.amount_off_minor or 0
    else:
        off = Money(base, coupon.currency).percent(coupon.percent_off or 0).amount
        if coupon.max_discount_minor is not None:
            off = min(off, coupon.max_discount_minor)
    return min(off, base)


def refusal(
    coupon: Coupon, lines: Sequence[CouponLine], currency: str, now: datetime
) -> str | None:
    """Why the coupon cannot be used on these lines now, or None when it can."""
    if not coupon.is_active:
        return "The coupon is no longer active."
    if coupon.expires_at <= now:
        return "The coupon has expired."
    if coupon.currency != currency:
        return f"The coupon is in {coupon.currency}; the order is in {currency}."
    base = eligible_amount(coupon, lines)
    if base == 0:
        return f"No item of the order is in the coupon's scope ({coupon.scope.value})."
    if base < coupon.min_spend_minor:
        need = format_money(coupon.min_spend_minor, coupon.currency)
        return f"The coupon needs a spend of at least {need} on eligible items."
    return None


def best_of(
    coupons: Sequence[Coupon], lines: Sequence[CouponLine], currency: str, now: datetime
) -> tuple[Coupon, int] | None:
    """The usable coupon with the largest discount (ties: the one expiring first), if any."""
    usable = [
        (coupon, discount(coupon, lines))
        for coupon in coupons
        if refusal(coupon, lines, currency, now) is None
    ]
    usable = [(coupon, off) for coupon, off in usable if off > 0]
    if not usable:
        return None
    return max(usable, key=lambda pair: (pair[1], -pair[0].expires_at.timestamp()))
