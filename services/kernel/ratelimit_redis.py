"""The Redis :class:`~services.kernel.ratelimit.RateLimiter`: one sliding window shared by every
process, with the in-process limiter as fallback while Redis is unreachable."""

from __future__ import annotations

from datetime import timedelta

from services.kernel.clock import Clock
from services.kernel.ids import new_token
from services.kernel.ratelimit import RateLimiter
from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable, script_call

# A sorted set of attempt times per key: drop those that left the window, refuse when it is
# full (refusals are not recorded, as in the in-process limiter), else record this attempt.
SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisRateLimiter:
    """At most ``limit`` attempts per ``window`` and key, counted in Redis."""

    def __init__(
        self,
        guard: RedisGuard,
        limit: int,
        window: timedelta,
        clock: Clock,
        fallback: RateLimiter,
        *,
        namespace: str = "ratelimit",
    ) -> None:
        self._guard = guard
        self._limit = limit
        self._window_ms = int(window.total_seconds() * 1000)
        self._clock = clock
        self._fallback = fallback
        self._prefix = f"{KEY_PREFIX}{namespace}:"
        self._script = guard.client.register_script(SLIDING_WINDOW)

    async def hit(self, key: str) -> bool:
        """Record one attempt for ``key``; False when its window is already full."""
        now_ms = int(self._clock.now().timestamp() * 1000)
        args: list[int | str] = [now_ms, self._window_ms, self._limit, f"{now_ms}-{new_token(6)}"]
        try:
            allowed = await self._guard.run(
                "rate limit", script_call(self._script, [self._prefix + key], args)
            )
        except RedisUnavailable:
            return await self._fallback.hit(key)
        return bool(allowed)
