"""The signed-in user's orders: place, read, change, cancel, delete, return and exchange."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from api.created import locate
from api.deps import CurrentUser, Paging, Services
from api.idempotency import OptionalIdempotencyKey, idempotent_response
from services.kernel.pagination import Page
from services.orders.schemas import (
    CancelIn,
    ExchangeIn,
    ModifyOrderIn,
    OrderOut,
    PlaceOrderIn,
    ReturnIn,
    ReturnOut,
)
from services.orders.state_machine import OrderStatus

router = APIRouter(prefix="/orders", tags=["orders"])

OrderId = Annotated[str, Path(min_length=1, max_length=40)]
StatusFilter = Annotated[OrderStatus | None, Query(description="Only orders in this status")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
async def place_order(
    container: Services, actor: CurrentUser, body: PlaceOrderIn, key: OptionalIdempotencyKey = None
) -> JSONResponse:
    """Place an order from ``items``, chosen cart lines, or the whole cart (which it empties)."""
    result = await container.idempotency.run(
        actor.user_id,
        key,
        "orders.place",
        body.model_dump(mode="json"),
        lambda: container.orders.place(actor, body),
        status_code=status.HTTP_201_CREATED,
    )
    response = idempotent_response(result)
    if result.status_code == status.HTTP_201_CREATED:
        locate(response, f"/orders/{result.body['id']}")
    return response


@router.get("")
async def list_orders(
    container: Services, actor: CurrentUser, paging: Paging, status: StatusFilter = None
) -> Page[OrderOut]:
    """Your orders, newest first, optionally filtered by status."""
    return await container.orders.list(actor, paging, status)


@router.get("/{order_id}")
async def get_order(container: Services, actor: CurrentUser, order_id: OrderId) -> OrderOut:
    """One of your orders with its lines, totals, payments, refunds and returns."""
    return await container.orders.get(actor, order_id)


@router.patch("/{order_id}")
async def modify_order(
    container: Services, actor: CurrentUser, order_id: OrderId, body: ModifyOrderIn
) -> OrderOut:
    """Before shipping: change the address, the payment method, or swap items for other
    variants of the same product (a paid order is charged or refunded the difference)."""
    return await container.orders.modify(actor, order_id, body)


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_order(container: Services, actor: CurrentUser, order_id: OrderId) -> Response:
    """Hide a finished order (delivered, cancelled, expired, returned or exchanged)."""
    await container.orders.delete(actor, order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{order_id}/cancel")
async def cancel_order(
    container: Services, actor: CurrentUser, order_id: OrderId, body: CancelIn | None = None
) -> OrderOut:
    """Cancel an order that has not shipped; a paid order is refunded to its payment method."""
    return await container.orders.cancel(actor, order_id, body.reason if body else "")


@router.post("/{order_id}/returns", status_code=status.HTTP_201_CREATED)
async def request_return(
    container: Services, actor: CurrentUser, order_id: OrderId, body: ReturnIn, response: Response
) -> ReturnOut:
    """Ask to return items of a delivered order (refunded when staff complete the return)."""
    request = await container.orders.request_return(actor, order_id, body)
    locate(response, f"/orders/{order_id}")
    return request


@router.post("/{order_id}/exchanges", status_code=status.HTTP_201_CREATED)
async def request_exchange(
    container: Services,
    actor: CurrentUser,
    order_id: OrderId,
    body: ExchangeIn,
    response: Response,
) -> ReturnOut:
    """Ask to exchange items of a delivered order for other variants of the same product."""
    request = await container.orders.request_exchange(actor, order_id, body)
    locate(response, f"/orders/{order_id}")
    return request
