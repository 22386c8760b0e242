"""A long-running job (relay, sweeper, consumer) as a task of the running event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class BackgroundTask:
    """Runs ``run(stop)`` as a task; :meth:`stop` sets ``stop`` and waits for the task to end."""

    def __init__(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(_as_coroutine(run(self._stop)), name=name)

    async def stop(self, timeout: float = 15.0) -> None:
        """Ask the job to finish its current step and end; cancel it after ``timeout``."""
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def _as_coroutine(awaitable: Awaitable[None]) -> None:
    await awaitable
