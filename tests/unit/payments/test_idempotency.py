"""Idempotency keys: replay, mismatch, in-flight and release, over the in-memory store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from services.kernel.clock import FrozenClock
from services.kernel.errors import Conflict
from services.kernel.idempotency import (
    Idempotency,
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    InMemoryIdempotencyStore,
    InvalidIdempotencyKey,
    fingerprint,
)


class Out(BaseModel):
    n: int


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> Out:
        self.calls += 1
        return Out(n=self.calls)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def idem(clock: FrozenClock) -> Idempotency:
    return Idempotency(InMemoryIdempotencyStore(), clock)


def test_fingerprint_ignores_key_order_but_not_values_or_operation() -> None:
    assert fingerprint("op", {"a": 1, "b": [1, 2]}) == fingerprint("op", {"b": [1, 2], "a": 1})
    assert fingerprint("op", {"a": 1}) != fingerprint("op", {"a": 2})
    assert fingerprint("op", {"a": 1}) != fingerprint("other", {"a": 1})
    assert len(fingerprint("op", {})) == 64


async def test_without_a_key_every_call_runs(idem: Idempotency) -> None:
    call = Counter()
    first = await idem.run("u1", None, "op", {}, call)
    second = await idem.run("u1", None, "op", {}, call)
    assert (first.body, second.body, call.calls) == ({"n": 1}, {"n": 2}, 2)
    assert not first.replayed
    assert not second.replayed


async def test_same_key_and_payload_replays_the_first_result(idem: Idempotency) -> None:
    call = Counter()
    first = await idem.run("u1", "k1", "op", {"x": 1}, call, status_code=201)
    again = await idem.run("u1", "k1", "op", {"x": 1}, call, status_code=201)
    assert call.calls == 1
    assert (again.status_code, again.body, again.replayed) == (201, {"n": 1}, True)
    assert not first.replayed


async def test_same_key_with_another_payload_is_refused_with_422(idem: Idempotency) -> None:
    await idem.run("u1", "k1", "op", {"x": 1}, Counter())
    with pytest.raises(IdempotencyKeyMismatch) as caught:
        await idem.run("u1", "k1", "op", {"x": 2}, Counter())
    assert caught.value.status_code == 422


async def test_keys_are_scoped_per_user(idem: Idempotency) -> None:
    call = Counter()
    await idem.run("u1", "k1", "op", {}, call)
    other = await idem.run("u2", "k1", "op", {}, call)
    assert call.calls == 2
    assert not other.replayed


async def test_a_request_in_flight_blocks_its_key_with_409(idem: Idempotency) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> Out:
        started.set()
        await release.wait()
        return Out(n=1)

    first = asyncio.create_task(idem.run("u1", "k1", "op", {}, slow))
    await started.wait()
    with pytest.raises(IdempotencyInFlight) as caught:
        await idem.run("u1", "k1", "op", {}, Counter())
    assert caught.value.status_code == 409
    release.set()
    assert (await first).body == {"n": 1}


async def test_a_failed_request_releases_its_key_for_a_retry(idem: Idempotency) -> None:
    async def failing() -> Out:
        raise Conflict("not now")

    with pytest.raises(Conflict):
        await idem.run("u1", "k1", "op", {}, failing)
    retry = await idem.run("u1", "k1", "op", {}, Counter())
    assert retry.body == {"n": 1}
    assert not retry.replayed


async def test_keys_are_forgotten_after_a_day(idem: Idempotency, clock: FrozenClock) -> None:
    call = Counter()
    await idem.run("u1", "k1", "op", {"x": 1}, call)
    clock.advance(hours=25)
    later = await idem.run("u1", "k1", "op", {"x": 2}, call)
    assert call.calls == 2
    assert not later.replayed


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
async def test_malformed_keys_are_refused_with_400(idem: Idempotency, key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as caught:
        await idem.run("u1", key, "op", {}, Counter())
    assert caught.value.status_code == 400
