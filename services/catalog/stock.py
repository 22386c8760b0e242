"""Stock reservation: atomic, all-or-nothing, and safe under any number of concurrent buyers.

A variant has ``on_hand`` units of which ``reserved`` are held by orders not yet shipped.
Every change is one conditional ``UPDATE`` whose ``WHERE`` re-checks availability in the
database, so two buyers can never both take the last unit: on PostgreSQL the row lock taken by
the update makes the second one re-read the row; on SQLite writers are serialised by
``BEGIN IMMEDIATE``. The check constraints on ``variants`` are the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import CursorResult, Update, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.models import Variant
from services.kernel.errors import Conflict
from services.kernel.events import DomainEvent


class OutOfStock(Conflict):
    code = "out_of_stock"


class StockInconsistent(Conflict):
    """A release or shipment asked for more units than are reserved (a bug, never user input)."""

    code = "stock_inconsistent"


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Units of a variant right now."""

    variant_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Units that can still be reserved."""
        return max(self.on_hand - self.reserved, 0)


def out_of_stock(variant_id: str, requested: int, available: int) -> OutOfStock:
    """The refusal of ``requested`` units of a variant that has ``available`` left."""
    available = max(available, 0)
    return OutOfStock(
        f"Only {available} unit(s) of variant {variant_id} left; {requested} requested.",
        details={"variant_id": variant_id, "requested": requested, "available": available},
    )


def merge_quantities(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum quantities per variant, in variant-id order (a stable lock order avoids deadlocks)."""
    merged: dict[str, int] = {}
    for variant_id, quantity in lines:
        if quantity <= 0:
            raise ValueError("quantities must be positive")
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return dict(sorted(merged.items()))


def stock_event(variant_id: str, reason: str, order_id: str, **deltas: int) -> DomainEvent:
    """``stock.changed`` for one variant: why, for which order, and the change of each counter."""
    return DomainEvent(
        "stock.changed", variant_id, {"reason": reason, "order_id": order_id, **deltas}
    )


# Reserves every line that has enough units. A row is only updated once the ``locked`` CTE has
# locked it, and that CTE locks in id order (LockRows over a Sort), so orders sharing variants
# never deadlock; after waiting for another buyer's lock, READ COMMITTED re-checks the
# ``WHERE`` against the newest row version, so nothing is ever oversold.
RESERVE_ALL = text(
    """
    WITH wanted AS (
        SELECT * FROM unnest(CAST(:ids AS varchar[]), CAST(:quantities AS integer[]))
            AS w (id, quantity)
    ), locked AS MATERIALIZED (
        SELECT id FROM variants WHERE id = ANY(CAST(:ids AS varchar[]))
        ORDER BY id FOR NO KEY UPDATE
    )
    UPDATE variants AS v SET reserved = v.reserved + wanted.quantity
    FROM wanted JOIN locked ON locked.id = wanted.id
    WHERE v.id = wanted.id AND v.is_available AND v.is_active
        AND v.on_hand - v.reserved >= wanted.quantity
    RETURNING v.id
    """
)


class StockRepository:
    """Reserve, release, ship and restock units within the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve(self, quantities: Mapping[str, int]) -> None:
        """Hold units of every variant, or none: raises :class:`OutOfStock` naming the first short
        variant after undoing the holds already taken in this call."""
        wanted = merge_quantities(quantities.items())
        if self._session.get_bind().dialect.name == "postgresql":
            taken = await self._take_all(wanted)
        else:
            taken = await self._take_each(wanted)
        short = next((variant_id for variant_id in wanted if variant_id not in taken), None)
        if short is None:
            return
        if taken:
            await self.release({variant_id: wanted[variant_id] for variant_id in taken})
        level = (await self.levels([short])).get(short)
        raise out_of_stock(short, wanted[short], level.available if level else 0)

    async def _take_all(self, wanted: dict[str, int]) -> set[str]:
        """PostgreSQL: every line in one round trip; the ids of the variants that had enough.

        ``Variant`` objects already loaded in the session are not refreshed (no caller reads
        their counters after reserving).
        """
        rows = await self._session.execute(
            RESERVE_ALL, {"ids": list(wanted), "quantities": list(wanted.values())}
        )
        return set(rows.scalars())

    async def _take_each(self, wanted: dict[str, int]) -> set[str]:
        """One conditional update per line in id order, stopping at the first short one."""
        taken: set[str] = set()
        for variant_id, quantity in wanted.items():
            statement = (
                update(Variant)
                .where(
                    Variant.id == variant_id,
                    Variant.is_available.is_(True),
                    Variant.is_active.is_(True),
                    Variant.on_hand - Variant.reserved >= quantity,
                )
                .values(reserved=Variant.reserved + quantity)
            )
            if await self._rowcount(statement) != 1:
                break
            taken.add(variant_id)
        return taken

    async def release(self, quantities: Mapping[str, int]) -> None:
        """Give held units back (an order cancelled, expired or changed)."""
        for variant_id, quantity in merge_quantities(quantities.items()).items():
            statement = (
                update(Variant)
                .where(Variant.id == variant_id, Variant.reserved >= quantity)
                .values(reserved=Variant.reserved - quantity)
            )
            await self._require_one(statement, variant_id, quantity, "release")

    async def commit_shipped(self, quantities: Mapping[str, int]) -> None:
        """Units held for an order leave the warehouse: on hand and reserved both drop."""
        for variant_id, quantity in merge_quantities(quantities.items()).items():
            statement = (
                update(Variant)
                .where(
                    Variant.id == variant_id,
                    Variant.reserved >= quantity,
                    Variant.on_hand >= quantity,
                )
                .values(on_hand=Variant.on_hand - quantity, reserved=Variant.reserved - quantity)
            )
            await self._require_one(statement, variant_id, quantity, "ship")

    async def restock(self, quantities: Mapping[str, int]) -> None:
        """Returned units are back on the shelf."""
        for variant_id, quantity in merge_quantities(quantities.items()).items():
            statement = (
                update(Variant)
                .where(Variant.id == variant_id)
                .values(on_hand=Variant.on_hand + quantity)
            )
            await self._require_one(statement, variant_id, quantity, "restock")

    async def levels(self, variant_ids: Iterable[str]) -> dict[str, StockLevel]:
        """Current on-hand and reserved units by variant id (unknown ids are left out)."""
        ids = list(variant_ids)
        if not ids:
            return {}
        rows = await self._session.execute(
            select(Variant.id, Variant.on_hand, Variant.reserved).where(Variant.id.in_(ids))
        )
        return {row.id: StockLevel(row.id, row.on_hand, row.reserved) for row in rows}

    async def _rowcount(self, statement: Update) -> int:
        # "fetch" keeps Variant objects already loaded in this session in step with the update.
        result = await self._session.execute(
            statement, execution_options={"synchronize_session": "fetch"}
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount)

    async def _require_one(
        self, statement: Update, variant_id: str, quantity: int, op: str
    ) -> None:
        if await self._rowcount(statement) != 1:
            raise StockInconsistent(
                f"Cannot {op} {quantity} unit(s) of variant {variant_id}.",
                details={"variant_id": variant_id, "quantity": quantity, "operation": op},
            )
