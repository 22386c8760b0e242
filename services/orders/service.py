"""The orders service: one object the API, the CLI, the worker and the agent's tools call."""

from __future__ import annotations

from services.kernel.actor import Actor
from services.kernel.pagination import Page, PageRequest
from services.orders import lifecycle, modification, placing, queries, returns
from services.orders.context import OrderContext
from services.orders.schemas import (
    ExchangeIn,
    ModifyOrderIn,
    OrderOut,
    PlaceOrderIn,
    ReturnIn,
    ReturnOut,
)
from services.orders.state_machine import OrderStatus


class OrderService:
    """Use cases of the orders context; each is one transaction in its own module."""

    def __init__(self, ctx: OrderContext) -> None:
        self._ctx = ctx

    async def place(self, actor: Actor, data: PlaceOrderIn) -> OrderOut:
        """Create an order from items or the cart, reserving its stock."""
        return await placing.place_order(self._ctx, actor, data)

    async def get(self, actor: Actor, order_id: str) -> OrderOut:
        """One of the actor's orders."""
        return await queries.get_order(self._ctx, actor, order_id)

    async def list(
        self, actor: Actor, page: PageRequest, status: OrderStatus | None = None
    ) -> Page[OrderOut]:
        """The actor's orders."""
        return await queries.list_orders(self._ctx, actor, page, status)

    async def list_all(
        self, actor: Actor, page: PageRequest, status: OrderStatus | None = None
    ) -> Page[OrderOut]:
        """Staff: every order."""
        return await queries.list_all_orders(self._ctx, actor, page, status)

    async def cancel(self, actor: Actor, order_id: str, reason: str = "") -> OrderOut:
        """Cancel an unshipped order (refunding a paid one)."""
        return await lifecycle.cancel_order(self._ctx, actor, order_id, reason)

    async def modify(self, actor: Actor, order_id: str, data: ModifyOrderIn) -> OrderOut:
        """Change address, payment method or items before shipping."""
        return await modification.modify_order(self._ctx, actor, order_id, data)

    async def delete(self, actor: Actor, order_id: str) -> None:
        """Hide a finished order."""
        await lifecycle.delete_order(self._ctx, actor, order_id)

    async def request_return(self, actor: Actor, order_id: str, data: ReturnIn) -> ReturnOut:
        """Ask to return items of a delivered order."""
        return await returns.request_return(self._ctx, actor, order_id, data)

    async def request_exchange(self, actor: Actor, order_id: str, data: ExchangeIn) -> ReturnOut:
        """Ask to exchange items of a delivered order."""
        return await returns.request_exchange(self._ctx, actor, order_id, data)

    async def ship(self, actor: Actor, order_id: str, tracking_id: str) -> OrderOut:
        """Staff: mark a paid order shipped."""
        return await lifecycle.ship_order(self._ctx, actor, order_id, tracking_id)

    async def deliver(self, actor: Actor, order_id: str) -> OrderOut:
        """Staff: mark a shipped order delivered."""
        return await lifecycle.deliver_order(self._ctx, actor, order_id)

    async def complete_return(self, actor: Actor, return_id: str) -> OrderOut:
        """Staff: complete a return or exchange."""
        return await returns.complete_return(self._ctx, actor, return_id)

    async def expire_due(self, batch: int = 100) -> int:
        """Expire unpaid orders past their window; returns how many."""
        return await lifecycle.expire_due(self._ctx, batch)
