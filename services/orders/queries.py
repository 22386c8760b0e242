"""Reading orders: the owner's own, and all of them for staff."""

from __future__ import annotations

from services.kernel.actor import Actor
from services.kernel.pagination import Page, PageRequest
from services.orders.common import expire_if_due, owned_order
from services.orders.context import OrderContext
from services.orders.schemas import OrderOut
from services.orders.state_machine import OrderStatus
from services.orders.views import load_view, load_views


async def get_order(ctx: OrderContext, actor: Actor, order_id: str) -> OrderOut:
    """One of the actor's orders; an unpaid one past its window shows (and becomes) expired."""
    async with ctx.uow() as uow:
        order = await owned_order(uow, actor, order_id)
        if await expire_if_due(uow, order):
            await uow.commit()
        return await load_view(uow, order)


async def list_orders(
    ctx: OrderContext, actor: Actor, page: PageRequest, status: OrderStatus | None
) -> Page[OrderOut]:
    """The actor's live orders, newest first, optionally of one status."""
    async with ctx.uow() as uow:
        orders, total = await uow.orders.page(page, user_id=actor.user_id, status=status)
        items = await load_views(uow, orders)
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def list_all_orders(
    ctx: OrderContext, actor: Actor, page: PageRequest, status: OrderStatus | None
) -> Page[OrderOut]:
    """Staff: every live order, newest first, optionally of one status."""
    actor.require_staff()
    async with ctx.uow() as uow:
        # A merchant sees only orders of their own shop (see common.any_order).
        merchant_id = None if actor.is_admin else actor.user_id
        orders, total = await uow.orders.page(
            page, user_id=None, status=status, merchant_id=merchant_id
        )
        items = await load_views(uow, orders)
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)
