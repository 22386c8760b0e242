"""Access-token revocations answered from Redis, with the database as the source of truth.

Every revocation is written to the database first, then to Redis as a key that expires with the
token, so checking a bearer token costs one Redis round trip instead of a query. Redis may have
lost keys (a restart: it keeps no data on disk; a write that failed while it was unreachable),
so its answers count only while a *synced* marker is present and this process has no failed
write pending: otherwise the database answers and Redis is refilled from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kernel.clock import Clock
from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable
from services.users.revocations import SqlTokenRevocations

PREFIX = f"{KEY_PREFIX}revoked:"
SYNCED = f"{KEY_PREFIX}revoked-synced"


class RedisTokenRevocations:
    """The :class:`~services.users.revocations.TokenRevocations` port over Redis + SQL."""

    def __init__(self, guard: RedisGuard, sql: SqlTokenRevocations, clock: Clock) -> None:
        self._guard = guard
        self._sql = sql
        self._clock = clock
        # A Redis write this process could not make: Redis answers only after a refill.
        self._unsynced_write = False

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        """Store the revocation in the database, then in Redis until the token expires."""
        await self._sql.revoke(jti, expires_at)
        ttl_ms = _ttl_ms(expires_at, self._clock.now())
        if ttl_ms <= 0:
            return
        try:
            await self._guard.run("revoke token", lambda r: r.set(PREFIX + jti, 1, px=ttl_ms))
        except RedisUnavailable:
            self._unsynced_write = True

    async def is_revoked(self, *jtis: str) -> bool:
        """Redis's answer when it is complete; the database's otherwise."""
        try:
            synced, revoked = await self._guard.run("check token", lambda r: _lookup(r, jtis))
        except RedisUnavailable:
            return await self._sql.is_revoked(*jtis)
        if synced and not self._unsynced_write:
            return bool(revoked)
        answer = await self._sql.is_revoked(*jtis)
        await self.refill()
        return answer

    async def refill(self) -> int:
        """Copy every live revocation from the database into Redis; returns how many."""
        now = self._clock.now()
        live = await self._sql.live()

        async def write(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for jti, expires_at in live:
                    ttl_ms = _ttl_ms(expires_at, now)
                    if ttl_ms > 0:
                        pipe.set(PREFIX + jti, 1, px=ttl_ms)
                pipe.set(SYNCED, now.isoformat())
                await pipe.execute()

        try:
            await self._guard.run("refill revocations", write)
        except RedisUnavailable:
            return 0
        self._unsynced_write = False
        return len(live)


async def _lookup(client: Any, jtis: tuple[str, ...]) -> tuple[int, int]:
    async with client.pipeline(transaction=False) as pipe:
        pipe.exists(SYNCED)
        pipe.exists(*(PREFIX + jti for jti in jtis))
        synced, revoked = await pipe.execute()
    return int(synced), int(revoked)


def _ttl_ms(expires_at: datetime, now: datetime) -> int:
    return int((expires_at - now).total_seconds() * 1000)
