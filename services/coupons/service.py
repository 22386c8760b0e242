"""Coupons: staff create them, shoppers list, claim and see theirs."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from services.coupons.errors import (
    CouponAlreadyClaimed,
    CouponClaimClosed,
    CouponNotFound,
    CouponScopeForbidden,
    DuplicateCoupon,
    InvalidCouponScope,
)
from services.coupons.models import Coupon, CouponKind, CouponScope, UserCoupon
from services.coupons.schemas import CouponIn, CouponOut, UserCouponOut
from services.kernel.actor import Actor
from services.kernel.clock import Clock
from services.kernel.ids import new_id
from services.kernel.pagination import Page, PageRequest
from services.uow import ShopUnitOfWork


class CouponService:
    """Use cases of the coupons context."""

    def __init__(
        self, uow_factory: Callable[[], ShopUnitOfWork], clock: Clock, currency: str
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._currency = currency

    async def create(self, actor: Actor, data: CouponIn) -> CouponOut:
        """Create a coupon: admins any scope, merchants only for one of their own products."""
        actor.require_staff()
        now = self._clock.now()
        async with self._uow() as uow:
            await self._check_scope(uow, actor, data)
            coupon = Coupon(
                id=new_id("cpn"),
                code=data.code,
                description=data.description,
                kind=CouponKind(data.kind),
                amount_off_minor=data.amount_off,
                percent_off=data.percent_off,
                max_discount_minor=data.max_discount,
                min_spend_minor=data.min_spend,
                currency=(data.currency or self._currency).upper(),
                scope=CouponScope(data.scope),
                scope_id=data.scope_id,
                claim_deadline=data.claim_deadline,
                expires_at=data.expires_at,
                uses_per_user=data.uses_per_user,
                created_by=actor.user_id,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            if await uow.coupons.by_code(data.code) is not None:
                raise DuplicateCoupon(f"Coupon {data.code} exists.", details={"code": data.code})
            uow.coupons.add(coupon)
            await uow.commit()
        return CouponOut.of(coupon)

    async def list_claimable(self, actor: Actor, page: PageRequest) -> Page[CouponOut]:
        """Coupons that can be claimed now."""
        del actor  # any signed-in user may browse
        async with self._uow() as uow:
            rows, total = await uow.coupons.claimable(self._clock.now(), page)
            items = [CouponOut.of(row) for row in rows]
        return Page(items=items, total=total, page=page.page, page_size=page.page_size)

    async def claim(self, actor: Actor, code: str) -> UserCouponOut:
        """Claim a coupon by code (once per user, before its claim deadline)."""
        now = self._clock.now()
        normalised = code.strip().upper()
        async with self._uow() as uow:
            coupon = await uow.coupons.by_code(normalised)
            if coupon is None or not coupon.is_active:
                raise CouponNotFound(f"No coupon {code!r}.", details={"code": code})
            closed = coupon.claim_deadline is not None and coupon.claim_deadline <= now
            if closed or coupon.expires_at <= now:
                raise CouponClaimClosed(
                    f"Coupon {coupon.code} can no longer be claimed.", details={"code": coupon.code}
                )
            if await uow.coupons.claim_of(actor.user_id, coupon.id) is not None:
                raise CouponAlreadyClaimed(
                    f"You already claimed {coupon.code}.", details={"code": coupon.code}
                )
            claim = UserCoupon(
                id=new_id("ucp"),
                coupon_id=coupon.id,
                user_id=actor.user_id,
                used_count=0,
                claimed_at=now,
            )
            uow.coupons.add(claim)
            try:
                await uow.commit()
            except IntegrityError as exc:  # a concurrent claim by the same user won
                raise CouponAlreadyClaimed(
                    f"You already claimed {coupon.code}.", details={"code": coupon.code}
                ) from exc
        return UserCouponOut.of(claim, coupon, now)

    async def list_mine(self, actor: Actor, page: PageRequest) -> Page[UserCouponOut]:
        """The user's claimed coupons with their remaining uses."""
        now = self._clock.now()
        async with self._uow() as uow:
            rows, total = await uow.coupons.claims_of(actor.user_id, page)
            items = [UserCouponOut.of(claim, coupon, now) for claim, coupon in rows]
        return Page(items=items, total=total, page=page.page, page_size=page.page_size)

    async def _check_scope(self, uow: ShopUnitOfWork, actor: Actor, data: CouponIn) -> None:
        """The scope must exist, and a merchant may discount only their own products.

        Shop-wide and category coupons discount every shop's goods (categories are shared by
        all merchants), so only admins create them.
        """
        if data.scope != "product" and not actor.is_admin:
            raise CouponScopeForbidden(
                f"Only admins create {data.scope}-wide coupons; scope yours to one of your "
                "products.",
                details={"scope": data.scope},
            )
        if data.scope_id is None:
            return
        if data.scope == "category":
            if await uow.catalog.get_category(data.scope_id) is None:
                raise _no_scope(data)
            return
        product = await uow.catalog.get_product(data.scope_id)
        if product is None:
            raise _no_scope(data)
        if not actor.is_admin and product.merchant_id != actor.user_id:
            raise CouponScopeForbidden(
                "A coupon can only discount your own products.",
                details={"scope": data.scope, "scope_id": data.scope_id},
            )


def _no_scope(data: CouponIn) -> InvalidCouponScope:
    return InvalidCouponScope(
        f"No {data.scope} {data.scope_id!r} for the coupon's scope.",
        details={"scope": data.scope, "scope_id": data.scope_id},
    )
