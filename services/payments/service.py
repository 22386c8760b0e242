"""DomTok's two-step pay: a single-use payment token, then the payment that uses it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from services.kernel.actor import Actor
from services.kernel.clock import Clock
from services.kernel.errors import PaymentRequired, Unavailable
from services.kernel.ids import new_token
from services.kernel.pagination import Page, PageRequest
from services.orders.common import expire_if_due, order_event, owned_method, owned_order
from services.orders.errors import OrderExpired
from services.orders.models import Order
from services.orders.schemas import OrderOut
from services.orders.state_machine import OrderStatus, ensure_transition
from services.orders.views import load_view
from services.payments.errors import (
    AlreadyPaid,
    InvalidPaymentToken,
    PaymentTokenExpired,
    PaymentTokenUsed,
)
from services.payments.events import payment_event
from services.payments.models import PaymentToken, Purpose
from services.payments.moves import MoneyMover, Payer
from services.payments.schemas import LedgerEntryOut, PayIn, PaymentTokenOut
from services.payments.token_gate import NoPaymentTokenGate, PaymentTokenGate
from services.uow import ShopUnitOfWork


def hash_token(token: str) -> str:
    """Tokens are stored as their sha256, so a database leak cannot pay anything."""
    return hashlib.sha256(token.encode()).hexdigest()


class PaymentService:
    """Payment tokens, paying orders, and the user's payment history."""

    def __init__(
        self,
        uow_factory: Callable[[], ShopUnitOfWork],
        clock: Clock,
        mover: MoneyMover,
        token_ttl: timedelta,
        *,
        token_gate: PaymentTokenGate | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._mover = mover
        self._ttl = token_ttl
        self._token_gate: PaymentTokenGate = token_gate or NoPaymentTokenGate()

    async def issue_token(self, actor: Actor, order_id: str) -> PaymentTokenOut:
        """A single-use token to pay this order, valid for ``payment_token_minutes``."""
        async with self._uow() as uow:
            order = await owned_order(uow, actor, order_id)
            await _refuse_expired(uow, order)
            ensure_transition(order.status, OrderStatus.PAID, order_id=order.id)
            now = uow.clock.now()
            token = new_token()
            expires_at = now + self._ttl
            uow.payments.add(
                PaymentToken(
                    token_hash=hash_token(token),
                    order_id=order.id,
                    user_id=actor.user_id,
                    expires_at=expires_at,
                    created_at=now,
                )
            )
            await uow.commit()
        await self._token_gate.remember(hash_token(token), order_id, actor.user_id, expires_at)
        return PaymentTokenOut(order_id=order_id, payment_token=token, expires_at=expires_at)

    async def pay(self, actor: Actor, order_id: str, data: PayIn) -> OrderOut:
        """Charge the order's total to a saved payment method, using up the payment token.

        A refused charge is recorded (and the token spent) before the refusal is raised.
        """
        async with self._uow() as uow:
            order = await owned_order(uow, actor, order_id)
            await _refuse_expired(uow, order)
            target = ensure_transition(order.status, OrderStatus.PAID, order_id=order.id)
            method = await owned_method(uow, actor.user_id, data.payment_method_id)
            token_hash = hash_token(data.payment_token)
            await self._token_gate.take(uow, token_hash, order.id, actor.user_id)
            await self._use_token(uow, token_hash, order.id, actor.user_id)
            payer = Payer(order.id, order.user_id, order.currency)
            async with self._mover.voided_on_error() as charges:
                if order.total_minor > 0:
                    try:
                        entry = await self._mover.charge(
                            uow,
                            payer,
                            method,
                            order.total_minor,
                            purpose=Purpose.PAYMENT,
                            operation_key=f"{order.id}:payment",
                            gateway_key=f"{order.id}:payment:{token_hash[:24]}",
                        )
                    except (PaymentRequired, Unavailable) as refusal:
                        self._mover.failed_charge(
                            uow, payer, method, order.total_minor, Purpose.PAYMENT, refusal
                        )
                        uow.emit(
                            payment_event(
                                "failed",
                                order.id,
                                order.user_id,
                                order.total_minor,
                                order.currency,
                                reason=refusal.code,
                            )
                        )
                        await uow.commit()
                        raise
                    charges.append(entry)
                    uow.emit(
                        payment_event(
                            "captured",
                            order.id,
                            order.user_id,
                            order.total_minor,
                            order.currency,
                            payment_method_id=method.id,
                        )
                    )
                now = uow.clock.now()
                order.status, order.paid_at, order.updated_at = target, now, now
                order.payment_method_id = method.id
                order.expires_at = None
                uow.emit(order_event("paid", order, payment_method_id=method.id))
                try:
                    await uow.orders.flush()
                    view = await load_view(uow, order)
                    await uow.commit()
                except IntegrityError as exc:
                    # Only reachable if two payments of one order raced past the row lock.
                    raise AlreadyPaid("The order is already paid.") from exc
        return view

    async def history(self, actor: Actor, page: PageRequest) -> Page[LedgerEntryOut]:
        """The user's charges and refunds, newest first."""
        async with self._uow() as uow:
            rows, total = await uow.payments.entries_of_user(actor.user_id, page)
            items = [LedgerEntryOut.of(row) for row in rows]
        return Page(items=items, total=total, page=page.page, page_size=page.page_size)

    @staticmethod
    async def _use_token(uow: ShopUnitOfWork, token_hash: str, order_id: str, user_id: str) -> None:
        now = uow.clock.now()
        if await uow.payments.use_token(token_hash, order_id, user_id, now):
            return
        token = await uow.payments.get_token(token_hash)
        if token is None or token.order_id != order_id or token.user_id != user_id:
            raise InvalidPaymentToken("The payment token is not valid for this order.")
        if token.used_at is not None:
            raise PaymentTokenUsed("The payment token was already used; request a new one.")
        raise PaymentTokenExpired("The payment token has expired; request a new one.")


async def _refuse_expired(uow: ShopUnitOfWork, order: Order) -> None:
    """An order past its payment window is expired now (stock released), then refused, whether
    or not the sweeper has run."""
    if await expire_if_due(uow, order):
        await uow.commit()
    if order.status == OrderStatus.EXPIRED:
        raise OrderExpired(
            "The order expired before it was paid; its items were released.",
            details={"order_id": order.id, "expired_at": str(order.expires_at)},
        )
