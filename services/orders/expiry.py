"""The expiry sweeper: marks unpaid orders past their window ``expired`` and frees their stock.

Correctness never depends on it running on time: paying, cancelling or reading an order that is
past its window expires it on the spot. The sweeper only makes sure forgotten orders give their
stock back. It runs inside the API process by default and as ``domtok worker`` otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.orders.service import OrderService

log = logging.getLogger(__name__)

BATCH = 100


class ExpirySweeper:
    """Sweeps every ``interval`` seconds until stopped."""

    def __init__(self, orders: OrderService, interval: float) -> None:
        self._orders = orders
        self._interval = interval

    async def sweep(self) -> int:
        """Expire every due order now; returns how many."""
        total = 0
        while True:
            expired = await self._orders.expire_due(BATCH)
            total += expired
            if expired < BATCH:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep, wait, repeat until ``stop`` is set; a failed sweep is logged and retried."""
        while not stop.is_set():
            try:
                expired = await self.sweep()
                if expired:
                    log.info("expired %d unpaid order(s)", expired)
            except Exception:
                log.exception("expiry sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval)


class BackgroundSweeper:
    """The sweeper as a task of the running event loop (the API's embedded default)."""

    def __init__(self, sweeper: ExpirySweeper) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(sweeper.run(self._stop), name="order-expiry-sweeper")

    async def stop(self) -> None:
        """Let the current sweep finish, then end the task."""
        self._stop.set()
        await self._task
