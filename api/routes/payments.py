"""Paying orders (two steps: a single-use payment token, then the payment) and payment history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from fastapi.responses import JSONResponse

from api.created import locate
from api.deps import CurrentUser, Paging, Services
from api.idempotency import RequiredIdempotencyKey, idempotent_response
from services.kernel.pagination import Page
from services.orders.schemas import OrderOut
from services.payments.schemas import LedgerEntryOut, PayIn, PaymentTokenOut

router = APIRouter(tags=["payments"])

OrderId = Annotated[str, Path(min_length=1, max_length=40)]


@router.post("/orders/{order_id}/payment-token", status_code=status.HTTP_201_CREATED)
async def issue_payment_token(
    container: Services, actor: CurrentUser, order_id: OrderId, response: Response
) -> PaymentTokenOut:
    """A single-use token for one payment attempt of an unpaid order (valid 15 minutes)."""
    token = await container.payments.issue_token(actor, order_id)
    locate(response, f"/orders/{order_id}")
    return token


@router.post("/orders/{order_id}/pay", response_model=OrderOut)
async def pay_order(
    container: Services,
    actor: CurrentUser,
    order_id: OrderId,
    body: PayIn,
    key: RequiredIdempotencyKey,
) -> JSONResponse:
    """Pay the order with a saved payment method and a payment token; the Idempotency-Key
    makes retries safe (the order is never charged twice)."""
    result = await container.idempotency.run(
        actor.user_id,
        key,
        "orders.pay",
        {"order_id": order_id, **body.model_dump(mode="json")},
        lambda: container.payments.pay(actor, order_id, body),
    )
    return idempotent_response(result)


@router.get("/payments")
async def payment_history(
    container: Services, actor: CurrentUser, paging: Paging
) -> Page[LedgerEntryOut]:
    """Your charges and refunds (failed attempts included), newest first."""
    return await container.payments.history(actor, paging)
