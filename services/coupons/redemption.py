"""Redeeming coupons on orders, inside the order's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.coupons.errors import (
    CouponExpired,
    CouponNotApplicable,
    CouponNotClaimed,
    CouponNotFound,
    CouponUsedUp,
)
from services.coupons.repository import CouponRepository
from services.coupons.rules import CouponLine, best_of, discount, refusal


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    """A coupon use spent on an order."""

    claim_id: str
    code: str
    discount_minor: int


async def redeem(
    repo: CouponRepository,
    user_id: str,
    code: str,
    lines: Sequence[CouponLine],
    currency: str,
    now: datetime,
) -> AppliedCoupon:
    """Spend one use of the user's claim of ``code`` on these lines, or say why not."""
    coupon = await repo.by_code(code.strip().upper())
    if coupon is None:
        raise CouponNotFound(f"No coupon {code!r}.", details={"code": code})
    claim = await repo.claim_of(user_id, coupon.id)
    if claim is None:
        raise CouponNotClaimed(
            f"Claim coupon {coupon.code} before using it.", details={"code": coupon.code}
        )
    if claim.used_count >= coupon.uses_per_user:
        raise CouponUsedUp(f"Coupon {coupon.code} is used up.", details={"code": coupon.code})
    reason = refusal(coupon, lines, currency, now)
    if reason is not None:
        error = CouponExpired if coupon.expires_at <= now else CouponNotApplicable
        raise error(reason, details={"code": coupon.code})
    if not await repo.use(claim.id, coupon.uses_per_user):
        raise CouponUsedUp(f"Coupon {coupon.code} is used up.", details={"code": coupon.code})
    return AppliedCoupon(claim.id, coupon.code, discount(coupon, lines))


async def redeem_best(
    repo: CouponRepository,
    user_id: str,
    lines: Sequence[CouponLine],
    currency: str,
    now: datetime,
) -> AppliedCoupon | None:
    """Spend a use of the user's coupon that gives the largest discount, if any applies."""
    claims = await repo.usable_claims(user_id, now)
    choice = best_of([coupon for _, coupon in claims], lines, currency, now)
    if choice is None:
        return None
    coupon, off = choice
    claim = next(claim for claim, owner in claims if owner.id == coupon.id)
    if not await repo.use(claim.id, coupon.uses_per_user):
        return None
    return AppliedCoupon(claim.id, coupon.code, off)


async def discount_after_change(
    repo: CouponRepository, code: str | None, lines: Sequence[CouponLine]
) -> int:
    """The discount an order's coupon gives on changed lines (0 if they no longer qualify).

    Expiry is not re-checked: the coupon was valid when the order was placed.
    """
    if code is None:
        return 0
    coupon = await repo.by_code(code)
    return 0 if coupon is None else discount(coupon, lines)


async def give_back(repo: CouponRepository, claim_id: str | None) -> None:
    """Return the use an order spent (the order was cancelled or expired)."""
    if claim_id is not None:
        await repo.give_back(claim_id)
