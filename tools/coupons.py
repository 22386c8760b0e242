"""Coupon tools: coupons on offer, the shopper's claimed coupons, claiming one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.coupons.schemas import CouponCode, CouponOut, UserCouponOut
from services.kernel.pagination import Page, PageRequest
from tools.base import ShopRuntime, ShopTool, ToolKind, context_of, shop_tool

PageNumber = Annotated[int, Field(ge=1, le=1000)]


@shop_tool(ToolKind.READ)
async def list_available_coupons(runtime: ShopRuntime, page: PageNumber = 1) -> Page[CouponOut]:
    """Coupons the shopper can claim now (code, discount, minimum spend, scope, expiry)."""
    context = context_of(runtime)
    return await context.services.coupons.list_claimable(
        context.actor, PageRequest(page=page, page_size=20)
    )


@shop_tool(ToolKind.READ)
async def list_my_coupons(runtime: ShopRuntime, page: PageNumber = 1) -> Page[UserCouponOut]:
    """Coupons the shopper has claimed, with uses left and whether each is usable now."""
    context = context_of(runtime)
    return await context.services.coupons.list_mine(
        context.actor, PageRequest(page=page, page_size=20)
    )


@shop_tool(ToolKind.CART)
async def claim_coupon(runtime: ShopRuntime, code: CouponCode) -> UserCouponOut:
    """Claim a coupon by its code so it can be used on an order."""
    context = context_of(runtime)
    return await context.services.coupons.claim(context.actor, code)


TOOLS: tuple[ShopTool, ...] = (list_available_coupons, list_my_coupons, claim_coupon)
