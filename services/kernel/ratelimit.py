"""Rate limiting behind a port: in-process sliding windows now, Redis when one is configured."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Protocol

from services.kernel.clock import Clock


class RateLimiter(Protocol):
    """Counts attempts per key within a time window."""

    async def hit(self, key: str) -> bool:
        """Record one attempt for ``key``; False when it exceeds the limit (and is not counted)."""
        ...


class InMemoryRateLimiter:
    """A sliding-window limiter for one process: at most ``limit`` attempts per ``window``.

    Refused attempts are not recorded, so a client that keeps hammering is let in again as soon
    as its oldest counted attempt leaves the window.
    """

    def __init__(self, limit: int, window: timedelta, clock: Clock) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hits: dict[str, deque[datetime]] = {}
        self._last_sweep = clock.now()

    async def hit(self, key: str) -> bool:
        """Record one attempt for ``key``; False when the window is already full."""
        now = self._clock.now()
        self._forget_idle_keys(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return False
        hits.append(now)
        return True

    @property
    def tracked_keys(self) -> int:
        """How many keys are being counted (memory use, for monitoring)."""
        return len(self._hits)

    def _forget_idle_keys(self, now: datetime) -> None:
        # Once per window, so memory stays bounded by the keys seen recently at O(1) amortised cost.
        cutoff = now - self._window
        if self._last_sweep > cutoff:
            return
        self._last_sweep = now
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= cutoff]
        for key in idle:
            del self._hits[key]
