"""Failure counters with exponential lockout, behind a port: in-process now, Redis when set.

A key (a client address, an account, the pair of both) is locked once its failures reach the
policy's threshold: for ``base_seconds`` after the last failure, doubling with every further
failure up to ``max_seconds``. Failures are forgotten ``window_seconds`` after the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.kernel.clock import Clock

# Past this many keys, expired ones are dropped on the next failure.
_SWEEP_AT = 10_000


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """When failures of one key lock it, and for how long."""

    threshold: int
    base_seconds: float
    max_seconds: float
    window_seconds: float

    def lock_seconds(self, failures: int) -> float:
        """How long a key with ``failures`` is locked after its last failure (0: not locked)."""
        if failures < self.threshold:
            return 0.0
        doublings = min(failures - self.threshold, 30)
        return min(self.max_seconds, self.base_seconds * 2**doublings)


@dataclass(frozen=True, slots=True)
class Failures:
    """A key's recent failures and when the last one happened."""

    count: int = 0
    last: datetime | None = None


class FailureCounter(Protocol):
    """Counts failures per key until ``window`` passes without one."""

    async def get(self, key: str) -> Failures:
        """The key's recent failures."""
        ...

    async def fail(self, key: str, window: timedelta) -> Failures:
        """Record one failure; the count after it."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the key's failures."""
        ...


class InMemoryFailureCounter:
    """Failure counts of one process."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[Failures, datetime]] = {}

    async def get(self, key: str) -> Failures:
        """The key's recent failures (none once its window has passed)."""
        entry = self._entries.get(key)
        if entry is None or entry[1] <= self._clock.now():
            return Failures()
        return entry[0]

    async def fail(self, key: str, window: timedelta) -> Failures:
        """Record one failure, and drop expired keys so memory stays bounded."""
        now = self._clock.now()
        if len(self._entries) > _SWEEP_AT:
            self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
        failures = Failures((await self.get(key)).count + 1, now)
        self._entries[key] = (failures, now + window)
        return failures

    async def clear(self, key: str) -> None:
        """Forget the key."""
        self._entries.pop(key, None)
