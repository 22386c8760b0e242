"""All SQL of the coupons context."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.coupons.models import Coupon, UserCoupon
from services.kernel.pagination import PageRequest


class CouponRepository:
    """Coupons and users' claims over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: Coupon | UserCoupon) -> None:
        """Stage a new row."""
        self._session.add(row)

    async def flush(self) -> None:
        """Send staged rows so unique constraints are checked now."""
        await self._session.flush()

    async def by_code(self, code: str) -> Coupon | None:
        """A coupon by its (upper-case) code."""
        return (await self._session.scalars(select(Coupon).where(Coupon.code == code))).first()

    async def claimable(self, now: datetime, page: PageRequest) -> tuple[list[Coupon], int]:
        """Active, unexpired coupons whose claim deadline has not passed, newest first."""
        where = (
            Coupon.is_active.is_(True),
            Coupon.expires_at > now,
            or_(Coupon.claim_deadline.is_(None), Coupon.claim_deadline > now),
        )
        total = await self._session.scalar(select(func.count()).select_from(Coupon).where(*where))
        rows = await self._session.scalars(
            select(Coupon)
            .where(*where)
            .order_by(Coupon.created_at.desc(), Coupon.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        return list(rows), int(total or 0)

    async def claim_of(self, user_id: str, coupon_id: str) -> UserCoupon | None:
        """The user's claim of a coupon."""
        rows = await self._session.scalars(
            select(UserCoupon).where(
                UserCoupon.user_id == user_id, UserCoupon.coupon_id == coupon_id
            )
        )
        return rows.first()

    async def claims_of(
        self, user_id: str, page: PageRequest
    ) -> tuple[list[tuple[UserCoupon, Coupon]], int]:
        """A user's claimed coupons, most recent claim first."""
        total = await self._session.scalar(
            select(func.count()).select_from(UserCoupon).where(UserCoupon.user_id == user_id)
        )
        rows = await self._session.execute(
            select(UserCoupon, Coupon)
            .join(Coupon, Coupon.id == UserCoupon.coupon_id)
            .where(UserCoupon.user_id == user_id)
            .order_by(UserCoupon.claimed_at.desc(), UserCoupon.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        return [(claim, coupon) for claim, coupon in rows], int(total or 0)

    async def usable_claims(self, user_id: str, now: datetime) -> list[tuple[UserCoupon, Coupon]]:
        """The user's claims that still have uses left on active, unexpired coupons."""
        rows = await self._session.execute(
            select(UserCoupon, Coupon)
            .join(Coupon, Coupon.id == UserCoupon.coupon_id)
            .where(
                UserCoupon.user_id == user_id,
                UserCoupon.used_count < Coupon.uses_per_user,
                Coupon.is_active.is_(True),
                Coupon.expires_at > now,
            )
        )
        return [(claim, coupon) for claim, coupon in rows]

    async def use(self, claim_id: str, limit: int) -> bool:
        """Spend one use of a claim if any is left (atomic); False when used up."""
        result = await self._session.execute(
            update(UserCoupon)
            .where(UserCoupon.id == claim_id, UserCoupon.used_count < limit)
            .values(used_count=UserCoupon.used_count + 1),
            execution_options={"synchronize_session": "fetch"},
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def give_back(self, claim_id: str) -> None:
        """Return one use (its order was cancelled or expired)."""
        await self._session.execute(
            update(UserCoupon)
            .where(UserCoupon.id == claim_id, UserCoupon.used_count > 0)
            .values(used_count=UserCoupon.used_count - 1),
            execution_options={"synchronize_session": "fetch"},
        )
