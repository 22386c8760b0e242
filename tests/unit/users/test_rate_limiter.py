"""The in-process sliding-window limiter behind the login rate limit."""

from __future__ import annotations

from datetime import timedelta

from services.kernel.clock import FrozenClock
from services.kernel.ratelimit import InMemoryRateLimiter


async def test_allows_the_limit_then_refuses_within_the_window() -> None:
    limiter = InMemoryRateLimiter(3, timedelta(minutes=1), FrozenClock())
    assert [await limiter.hit("k") for _ in range(4)] == [True, True, True, False]


async def test_window_slides_so_old_attempts_stop_counting() -> None:
    clock = FrozenClock()
    limiter = InMemoryRateLimiter(2, timedelta(minutes=1), clock)
    await limiter.hit("k")
    clock.advance(seconds=30)
    await limiter.hit("k")
    assert not await limiter.hit("k")
    clock.advance(seconds=31)
    assert await limiter.hit("k")
    assert not await limiter.hit("k")


async def test_keys_are_counted_separately() -> None:
    limiter = InMemoryRateLimiter(1, timedelta(minutes=1), FrozenClock())
    assert await limiter.hit("a")
    assert await limiter.hit("b")
    assert not await limiter.hit("a")


async def test_idle_keys_are_forgotten() -> None:
    clock = FrozenClock()
    limiter = InMemoryRateLimiter(1, timedelta(minutes=1), clock)
    for number in range(100):
        await limiter.hit(f"key-{number}")
    clock.advance(minutes=2)
    await limiter.hit("fresh")
    assert limiter.tracked_keys == 1
