"""Failures of the coupons context."""

from __future__ import annotations

from services.kernel.errors import BadRequest, Conflict, Forbidden, NotFound


class CouponNotFound(NotFound):
    code = "coupon_not_found"


class DuplicateCoupon(Conflict):
    code = "duplicate_coupon"


class CouponAlreadyClaimed(Conflict):
    code = "coupon_already_claimed"


class CouponClaimClosed(Conflict):
    code = "coupon_claim_closed"


class CouponNotClaimed(Conflict):
    code = "coupon_not_claimed"


class CouponUsedUp(Conflict):
    code = "coupon_used_up"


class CouponExpired(Conflict):
    code = "coupon_expired"


class CouponNotApplicable(Conflict):
    code = "coupon_not_applicable"


class InvalidCouponScope(BadRequest):
    code = "invalid_coupon_scope"


class CouponScopeForbidden(Forbidden):
    """The actor may not discount what the coupon's scope covers (another shop's goods)."""

    code = "coupon_scope_forbidden"
