"""The Redis :class:`~services.kernel.lockout.FailureCounter`: counts shared by every process,
with the in-process counter as fallback while Redis is unreachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.kernel.clock import Clock
from services.kernel.lockout import FailureCounter, Failures
from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable


class RedisFailureCounter:
    """A hash per key (``n``: failures, ``last``: ms of the last one) expiring with its window."""

    def __init__(
        self, guard: RedisGuard, clock: Clock, fallback: FailureCounter, *, namespace: str
    ) -> None:
        self._guard = guard
        self._clock = clock
        self._fallback = fallback
        self._prefix = f"{KEY_PREFIX}{namespace}:"

    async def get(self, key: str) -> Failures:
        """The key's recent failures."""
        try:
            count, last = await self._guard.run(
                "read failures", lambda r: r.hmget(self._prefix + key, "n", "last")
            )
        except RedisUnavailable:
            return await self._fallback.get(key)
        return _failures(count, last)

    async def fail(self, key: str, window: timedelta) -> Failures:
        """Record one failure atomically; the count after it."""
        now_ms = int(self._clock.now().timestamp() * 1000)
        name, ttl_ms = self._prefix + key, int(window.total_seconds() * 1000)

        async def record(client: Any) -> Any:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hincrby(name, "n", 1)
                pipe.hset(name, "last", now_ms)
                pipe.pexpire(name, ttl_ms)
                return await pipe.execute()

        try:
            count, _, _ = await self._guard.run("record failure", record)
        except RedisUnavailable:
            return await self._fallback.fail(key, window)
        return _failures(count, now_ms)

    async def clear(self, key: str) -> None:
        """Forget the key (in the fallback too, which may have counted during an outage)."""
        await self._fallback.clear(key)
        try:
            await self._guard.run("clear failures", lambda r: r.delete(self._prefix + key))
        except RedisUnavailable:
            return


def _failures(count: Any, last_ms: Any) -> Failures:
    if count is None or last_ms is None:
        return Failures()
    return Failures(int(count), datetime.fromtimestamp(int(last_ms) / 1000, UTC))
