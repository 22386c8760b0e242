"""Fakes of a Redis client for the fallback tests: one that is down, one that hangs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError


class DownRedis:
    """Every command and script fails as when the server is unreachable; calls are counted."""

    def __init__(self) -> None:
        self.calls = 0

    def register_script(self, _source: str) -> Callable[..., Awaitable[Any]]:
        """A script whose every run fails."""
        return self._fail

    def __getattr__(self, _name: str) -> Callable[..., Awaitable[Any]]:
        return self._fail

    def pipeline(self, **_options: Any) -> Any:
        """A pipeline whose execution fails."""
        raise RedisConnectionError("Connection refused")

    async def _fail(self, *_args: Any, **_kwargs: Any) -> Any:
        self.calls += 1
        raise RedisConnectionError("Connection refused")


class HangingRedis(DownRedis):
    """Every command waits far longer than any timeout."""

    async def _fail(self, *_args: Any, **_kwargs: Any) -> Any:
        self.calls += 1
        await asyncio.sleep(30)


class Ticks:
    """A monotonic clock for the guard that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
