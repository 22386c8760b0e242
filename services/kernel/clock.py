"""Time as a dependency, so expiry rules can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Current UTC time (timezone-aware)."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """The frozen time."""
        return self._now

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. ``advance(minutes=11)``."""
        self._now += timedelta(**delta)


def utc(value: datetime) -> datetime:
    """Treat naive datetimes (SQLite returns them) as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
