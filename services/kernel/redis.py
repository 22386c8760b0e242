"""Redis for the adapters that use it: a fail-fast client and the guard every call goes through.

Redis is never the only place something lives, so a Redis failure must cost little: every call
has a short timeout, a failure is logged once as a warning and makes the guard skip Redis for
``retry_after`` seconds (the adapters use their fallback meanwhile), and the first call after
that tries Redis again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")

KEY_PREFIX = "domtok:"


Arg = bytes | str | int | float


class RedisUnavailable(Exception):
    """Redis did not answer in time or failed; the caller uses its fallback."""


def redis_client(url: str, timeout: float, max_connections: int = 64) -> Redis:
    """A client whose connects and commands give up after ``timeout`` seconds.

    Callers beyond ``max_connections`` wait (within ``timeout``) for a free connection rather
    than failing, so a burst of flash-sale requests queues briefly instead of falling back. One
    immediate retry lets a pooled connection that died with a restarted server reconnect.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
    )
    return Redis.from_pool(pool)


class RedisGuard:
    """Runs Redis calls with a deadline and remembers, for a while, that Redis is down."""

    def __init__(
        self,
        client: Redis,
        *,
        timeout: float = 0.5,
        retry_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._timeout = timeout
        self._retry_after = retry_after
        self._clock = clock
        self._down_until: float | None = None
        self.failures = 0

    @property
    def healthy(self) -> bool:
        """False while Redis is being skipped after a failure."""
        return self._down_until is None

    async def run(self, operation: str, call: Callable[[Redis], Awaitable[T]]) -> T:
        """``call(client)`` within the timeout, or :class:`RedisUnavailable`."""
        if self._down_until is not None and self._clock() < self._down_until:
            raise RedisUnavailable(f"redis skipped after a recent failure ({operation})")
        try:
            async with asyncio.timeout(self._timeout):
                result = await call(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            raise RedisUnavailable(f"redis failed during {operation}: {exc!r}") from exc
        if self._down_until is not None:
            log.warning("redis answers again (%s); leaving the fallback", operation)
            self._down_until = None
        return result

    def _failed(self, operation: str, exc: BaseException) -> None:
        self.failures += 1
        if self._down_until is None:
            log.warning(
                "redis unavailable during %s (%r); using the fallback for %.1fs",
                operation,
                exc,
                self._retry_after,
            )
        self._down_until = self._clock() + self._retry_after

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()


def script_call(
    script: AsyncScript, keys: Sequence[str], args: Sequence[Arg] = ()
) -> Callable[[Redis], Awaitable[Any]]:
    """A :meth:`RedisGuard.run` call that runs a registered Lua script."""

    async def call(client: Redis) -> Any:
        return await script(keys=list(keys), args=list(args), client=client)

    return call
