"""Coupons: staff create them; shoppers browse, claim, and list their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.created import locate
from api.deps import CurrentUser, Paging, Services
from services.coupons.schemas import CouponIn, CouponOut, UserCouponOut
from services.kernel.pagination import Page

router = APIRouter(tags=["coupons"])

Code = Annotated[str, Path(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("/coupons", status_code=status.HTTP_201_CREATED)
async def create_coupon(
    container: Services, actor: CurrentUser, body: CouponIn, response: Response
) -> CouponOut:
    """Create a coupon: amount or percent off (admins: any scope; merchants: their products)."""
    coupon = await container.coupons.create(actor, body)
    locate(response, "/coupons")
    return coupon


@router.get("/coupons")
async def list_coupons(container: Services, actor: CurrentUser, paging: Paging) -> Page[CouponOut]:
    """Coupons that can be claimed now, newest first."""
    return await container.coupons.list_claimable(actor, paging)


@router.post("/coupons/{code}/claim", status_code=status.HTTP_201_CREATED)
async def claim_coupon(
    container: Services, actor: CurrentUser, code: Code, response: Response
) -> UserCouponOut:
    """Claim a coupon so it can be used on an order."""
    claimed = await container.coupons.claim(actor, code)
    locate(response, "/users/me/coupons")
    return claimed


@router.get("/users/me/coupons")
async def my_coupons(
    container: Services, actor: CurrentUser, paging: Paging
) -> Page[UserCouponOut]:
    """Your claimed coupons with the uses left."""
    return await container.coupons.list_mine(actor, paging)
