"""Limits on what one buyer may hold unpaid: every unpaid order keeps its stock from others
until it expires, so without a cap one account could reserve a variant's whole stock, again and
again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.orders.errors import TooManyUnpaidOrders, UnpaidUnitsLimit
from services.uow import ShopUnitOfWork


@dataclass(frozen=True, slots=True)
class UnpaidLimits:
    """At most ``orders`` unpaid orders per buyer, and ``units_per_variant`` units of any one
    variant across them."""

    orders: int = 5
    units_per_variant: int = 10


async def ensure_within_unpaid_limits(
    uow: ShopUnitOfWork,
    limits: UnpaidLimits,
    user_id: str,
    wanted: Mapping[str, int],
    now: datetime,
) -> None:
    """Refuse a new order that would take the buyer over either limit.

    The buyer's row is locked first (PostgreSQL; SQLite serialises writers already), so
    concurrent placements by one buyer count each other instead of all passing the check.
    """
    await uow.users.lock_user(user_id)
    orders, units = await uow.orders.unpaid_holdings(user_id, list(wanted), now)
    if orders >= limits.orders:
        raise TooManyUnpaidOrders(
            f"You have {orders} unpaid orders; pay or cancel one before placing another.",
            details={"unpaid_orders": orders, "limit": limits.orders},
        )
    over = {
        variant_id: units.get(variant_id, 0) + quantity
        for variant_id, quantity in wanted.items()
        if units.get(variant_id, 0) + quantity > limits.units_per_variant
    }
    if over:
        raise UnpaidUnitsLimit(
            f"At most {limits.units_per_variant} units of one item can wait unpaid; pay or "
            "cancel an order holding it first.",
            details={"units": over, "limit": limits.units_per_variant},
        )
