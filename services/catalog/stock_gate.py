"""The stock gate: an optional fast path in front of the database's stock reservation.

Placing an order asks the gate first, inside the order's transaction, right before
:meth:`~services.catalog.stock.StockRepository.reserve`. A gate may refuse at once
(:class:`~services.catalog.stock.OutOfStock`) so that a flash sale's losers never queue for the
database's row locks; when it says yes the database still reserves, and its conditional update
remains the final authority. The embedded default has no gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from services.uow import ShopUnitOfWork


class StockGate(Protocol):
    """Holds units ahead of the database, undoing the hold if the transaction does not commit."""

    async def reserve(self, uow: ShopUnitOfWork, quantities: Mapping[str, int]) -> None:
        """Hold ``quantities`` for ``uow``'s transaction, or raise ``OutOfStock``."""
        ...


class NoStockGate:
    """No fast path: the database alone decides."""

    async def reserve(self, uow: ShopUnitOfWork, quantities: Mapping[str, int]) -> None:
        """Let every request through to the database."""
