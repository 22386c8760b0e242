"""The expiry sweeper's loop, with a fake orders service."""

from __future__ import annotations

import asyncio

import pytest

from services.orders.expiry import BATCH, BackgroundSweeper, ExpirySweeper


class FakeOrders:
    """Answers expire_due from a script of batch sizes (an exception is raised)."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def expire_due(self, batch: int = BATCH) -> int:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else 0
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_sweep_keeps_going_while_batches_are_full() -> None:
    orders = FakeOrders(BATCH, BATCH, 7)
    assert await ExpirySweeper(orders, 60).sweep() == 2 * BATCH + 7  # type: ignore[arg-type]
    assert orders.calls == 3


async def test_the_loop_survives_a_failed_sweep_and_stops_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    orders = FakeOrders(RuntimeError("database away"), 2)
    stop = asyncio.Event()
    task = asyncio.create_task(ExpirySweeper(orders, 0.01).run(stop))  # type: ignore[arg-type]
    while orders.calls < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert "expiry sweep failed" in caplog.text


async def test_the_background_sweeper_runs_until_stopped() -> None:
    orders = FakeOrders(1)
    background = BackgroundSweeper(ExpirySweeper(orders, 0.01))  # type: ignore[arg-type]
    while orders.calls < 2:
        await asyncio.sleep(0.01)
    await asyncio.wait_for(background.stop(), 1)
    calls = orders.calls
    await asyncio.sleep(0.05)
    assert orders.calls == calls
