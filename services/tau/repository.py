"""SQL of the τ bridge: τ id lookups, bulk reads for export, bulk writes for import.

Only rows that carry a τ id (``external_id``) are τ records; everything else the shop holds is
invisible to τ. Business changes never happen here: the desk goes through the services.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.catalog.models import Category, Product, Variant
from services.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from services.payments.models import LedgerEntry
from services.users.models import Address, GiftCard, PaymentMethod, User

_CHUNK = 500
Insertable = type[Order | OrderLine | LedgerEntry | ReturnRequest | ReturnLine]


class TauRepository:
    """Reads and bulk writes over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # lookups
    async def user_ids_by_name_zip(self, name: str, zip_code: str) -> list[str]:
        """τ users whose full name matches (ignoring case) and whose default address has
        ``zip_code``, oldest first."""
        rows = await self._session.scalars(
            select(User.id)
            .join(Address, (Address.user_id == User.id) & Address.is_default.is_(True))
            .where(
                func.lower(User.name) == name.lower(),
                Address.zip == zip_code,
                User.external_id.is_not(None),
            )
            .order_by(User.created_at, User.id)
        )
        return list(rows)

    # id maps
    async def users(self) -> list[tuple[str, str]]:
        """(our id, τ id) of τ users."""
        rows = await self._session.execute(
            select(User.id, User.external_id).where(User.external_id.is_not(None))
        )
        return [(str(own), str(ext)) for own, ext in rows.all()]

    async def orders(self) -> list[tuple[str, str, str]]:
        """(our id, τ id, our owner id) of τ orders."""
        rows = await self._session.execute(
            select(Order.id, Order.external_id, Order.user_id).where(Order.external_id.is_not(None))
        )
        return [(str(own), str(ext), str(user)) for own, ext, user in rows.all()]

    async def variants(
        self, product_ids: Collection[str] | None = None
    ) -> list[tuple[Variant, Product, str]]:
        """τ variants with their product and its category name, in insertion order (of the
        given products only, when named)."""
        query = (
            select(Variant, Product, Category.name)
            .join(Product, Product.id == Variant.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(Variant.external_id.is_not(None), Product.external_id.is_not(None))
            .order_by(Product.created_at, Product.id, Variant.created_at, Variant.id)
        )
        if product_ids is not None:
            query = query.where(Product.id.in_(list(product_ids)))
        rows = await self._session.execute(query)
        return [(variant, product, str(category)) for variant, product, category in rows.all()]

    async def methods(
        self, user_ids: Collection[str] | None = None
    ) -> list[tuple[PaymentMethod, str]]:
        """τ payment methods (active ones) with the τ id of their owner, oldest first."""
        query = (
            select(PaymentMethod, User.external_id)
            .join(User, User.id == PaymentMethod.user_id)
            .where(
                PaymentMethod.external_id.is_not(None),
                PaymentMethod.is_active.is_(True),
                User.external_id.is_not(None),
            )
            .order_by(PaymentMethod.created_at, PaymentMethod.id)
        )
        if user_ids is not None:
            query = query.where(User.id.in_(list(user_ids)))
        rows = await self._session.execute(query)
        return [(method, str(owner)) for method, owner in rows.all()]

    # export
    async def users_with_addresses(
        self, user_ids: Collection[str] | None = None
    ) -> list[tuple[User, Address | None]]:
        """τ users, oldest first, each with their default address."""
        query = (
            select(User, Address)
            .outerjoin(Address, (Address.user_id == User.id) & Address.is_default.is_(True))
            .where(User.external_id.is_not(None))
            .order_by(User.created_at, User.id)
        )
        if user_ids is not None:
            query = query.where(User.id.in_(list(user_ids)))
        rows = await self._session.execute(query)
        return [(user, address) for user, address in rows.all()]

    async def order_ids_by_user(
        self, user_ids: Collection[str] | None = None
    ) -> list[tuple[str, str]]:
        """(our user id, our order id) of τ orders, oldest first."""
        query = (
            select(Order.user_id, Order.id)
            .where(Order.external_id.is_not(None))
            .order_by(Order.created_at, Order.id)
        )
        if user_ids is not None:
            query = query.where(Order.user_id.in_(list(user_ids)))
        rows = await self._session.execute(query)
        return [(str(user), str(order)) for user, order in rows.all()]

    async def gift_cards(self, ids: Sequence[str]) -> dict[str, GiftCard]:
        """Gift cards by id."""
        found: dict[str, GiftCard] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = await self._session.scalars(
                select(GiftCard).where(GiftCard.id.in_(list(ids[start : start + _CHUNK])))
            )
            found.update({card.id: card for card in rows})
        return found

    async def tau_orders(self, order_ids: Collection[str] | None = None) -> list[Order]:
        """τ orders with their lines, in insertion order."""
        query = (
            select(Order)
            .where(Order.external_id.is_not(None))
            .options(selectinload(Order.lines))
            .order_by(Order.created_at, Order.id)
        )
        if order_ids is not None:
            query = query.where(Order.id.in_(list(order_ids)))
        return list(await self._session.scalars(query))

    # import
    async def hold_units(self, held: Mapping[str, int]) -> None:
        """Units held by imported unshipped orders: reserved, on top of the shelf stock."""
        if not held:
            return
        table = _table(Variant)
        statement = (
            update(table)
            .where(table.c.id == bindparam("variant_id"))
            .values(
                on_hand=table.c.on_hand + bindparam("units"),
                reserved=table.c.reserved + bindparam("units"),
            )
        )
        params = [{"variant_id": key, "units": units} for key, units in held.items()]
        await self._session.execute(statement, params)

    async def insert_rows(self, model: Insertable, rows: Sequence[dict[str, Any]]) -> None:
        """Insert plain rows in chunks (executemany; no ORM objects are built)."""
        for start in range(0, len(rows), _CHUNK):
            await self._session.execute(insert(_table(model)), list(rows[start : start + _CHUNK]))


def _table(model: type[Any]) -> Table:
    """The Core table of a mapped class (Core statements skip ORM bookkeeping in bulk work)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
