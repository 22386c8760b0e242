"""All SQL of the orders context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import class_mapper, selectinload

from services.catalog.models import Product
from services.kernel.pagination import PageRequest
from services.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from services.orders.state_machine import OrderStatus

_ORDERS = cast(Table, Order.__table__)
_LINES = cast(Table, OrderLine.__table__)


class OrderRepository:
    """Orders, their lines and return requests over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: Order | OrderLine | ReturnRequest | ReturnLine) -> None:
        """Stage a new row."""
        self._session.add(row)

    async def insert_new(self, order: Order) -> None:
        """Write a new order and its lines now, in one statement each.

        Checkout's fast path: this costs a fraction of the unit of work's flush. The rows are
        written from the attributes set on the objects (columns left unset take their database
        defaults) and the objects stay outside the session, so later changes to them are not
        saved: set everything before, read them afterwards only to build the view.
        """
        await self._session.execute(insert(_ORDERS), _column_values(order))
        if order.lines:
            lines = [_column_values(line) for line in order.lines]
            await self._session.execute(insert(_LINES), lines)

    async def flush(self) -> None:
        """Send staged changes now."""
        await self._session.flush()

    async def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        """An order with its lines, soft-deleted ones included.

        ``for_update`` locks the row on PostgreSQL until the transaction ends, so concurrent
        status changes queue up instead of racing (SQLite already serialises writers).
        """
        query = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self._session.scalars(query)).first()

    async def page(
        self,
        page: PageRequest,
        *,
        user_id: str | None,
        status: OrderStatus | None,
        merchant_id: str | None = None,
    ) -> tuple[list[Order], int]:
        """Live (not deleted) orders, newest first; one user's, or everyone's for staff (with
        ``merchant_id``: only orders whose every line is that merchant's product)."""
        query: Select[Order] = select(Order).where(Order.deleted_at.is_(None))
        if user_id is not None:
            query = query.where(Order.user_id == user_id)
        if merchant_id is not None:
            query = query.where(_sold_only_by(merchant_id))
        if status is not None:
            query = query.where(Order.status == status)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.scalars(
            query.options(selectinload(Order.lines))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset(page.offset)
            .limit(page.limit)
        )
        return list(rows), int(total or 0)

    async def sold_only_by(self, order_id: str, merchant_id: str) -> bool:
        """True when every line of the order is a product of this merchant."""
        query = select(Order.id).where(Order.id == order_id, _sold_only_by(merchant_id))
        return (await self._session.scalar(query)) is not None

    async def due_for_expiry(self, now: datetime, limit: int) -> list[str]:
        """Ids of unpaid orders whose time ran out, oldest deadline first."""
        rows = await self._session.scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now)
            .order_by(Order.expires_at)
            .limit(limit)
        )
        return list(rows)

    async def unpaid_holdings(
        self, user_id: str, variant_ids: Sequence[str], now: datetime
    ) -> tuple[int, dict[str, int]]:
        """The user's unpaid, unexpired orders: how many, and their units of these variants."""
        live = (
            Order.user_id == user_id,
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.expires_at > now,
        )
        count = await self._session.scalar(select(func.count()).select_from(Order).where(*live))
        rows = await self._session.execute(
            select(OrderLine.variant_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(*live, OrderLine.variant_id.in_(list(variant_ids)))
            .group_by(OrderLine.variant_id)
        )
        return int(count or 0), {variant_id: int(units) for variant_id, units in rows}

    async def get_return(self, return_id: str) -> ReturnRequest | None:
        """A return or exchange request with its lines."""
        rows = await self._session.scalars(
            select(ReturnRequest)
            .where(ReturnRequest.id == return_id)
            .options(selectinload(ReturnRequest.lines))
        )
        return rows.first()

    async def returns_for(self, order_ids: Sequence[str]) -> dict[str, list[ReturnRequest]]:
        """Return and exchange requests grouped by order, oldest first."""
        grouped: dict[str, list[ReturnRequest]] = {order_id: [] for order_id in order_ids}
        if not order_ids:
            return grouped
        rows = await self._session.scalars(
            select(ReturnRequest)
            .where(ReturnRequest.order_id.in_(list(order_ids)))
            .options(selectinload(ReturnRequest.lines))
            .order_by(ReturnRequest.created_at, ReturnRequest.id)
        )
        for row in rows:
            grouped[row.order_id].append(row)
        return grouped


def _sold_only_by(merchant_id: str) -> ColumnElement[bool]:
    """No line of the order is another shop's product (or a product of no merchant)."""
    foreign = (
        select(OrderLine.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == Order.id)
        .where(or_(Product.merchant_id.is_(None), Product.merchant_id != merchant_id))
    )
    return ~foreign.exists()


def _column_values(row: Order | OrderLine) -> dict[str, Any]:
    """Column values set on a new ORM object."""
    values = row.__dict__
    return {
        attr.columns[0].key: values[attr.key]
        for attr in class_mapper(type(row)).column_attrs
        if attr.key in values
    }
