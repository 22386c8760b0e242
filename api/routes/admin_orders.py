"""Staff operations on orders: list all, ship, deliver, complete returns and exchanges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, Paging, Services
from services.kernel.pagination import Page
from services.orders.schemas import OrderOut, ShipIn
from services.orders.state_machine import OrderStatus

router = APIRouter(prefix="/admin", tags=["admin: orders"])

Id = Annotated[str, Path(min_length=1, max_length=40)]
StatusFilter = Annotated[OrderStatus | None, Query(description="Only orders in this status")]


@router.get("/orders")
async def list_all_orders(
    container: Services, actor: CurrentUser, paging: Paging, status: StatusFilter = None
) -> Page[OrderOut]:
    """Every order, newest first, optionally filtered by status (merchants and admins)."""
    return await container.orders.list_all(actor, paging, status)


@router.post("/orders/{order_id}/ship")
async def ship_order(
    container: Services, actor: CurrentUser, order_id: Id, body: ShipIn
) -> OrderOut:
    """Mark a paid order shipped with the carrier's tracking id (merchants and admins)."""
    return await container.orders.ship(actor, order_id, body.tracking_id)


@router.post("/orders/{order_id}/deliver")
async def deliver_order(container: Services, actor: CurrentUser, order_id: Id) -> OrderOut:
    """Mark a shipped order delivered (merchants and admins)."""
    return await container.orders.deliver(actor, order_id)


@router.post("/returns/{return_id}/complete")
async def complete_return(container: Services, actor: CurrentUser, return_id: Id) -> OrderOut:
    """Complete a return (restock and refund) or an exchange (settle the price difference)."""
    return await container.orders.complete_return(actor, return_id)
