"""The unit of work's hooks: side effects outside the database follow its commit or rollback."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.kernel.errors import Busy
from services.kernel.events import DomainEvent
from services.kernel.uow import SqlUnitOfWork


class FakeSession:
    """Records what the unit of work does with its session."""

    def __init__(self, log: list[str], fail_commit: bool = False) -> None:
        self._log = log
        self._fail_commit = fail_commit

    async def execute(self, _statement: Any, rows: list[dict[str, Any]]) -> None:
        self._log.append(f"outbox {[row['event_type'] for row in rows]}")

    async def commit(self) -> None:
        if self._fail_commit:
            raise RuntimeError("commit failed")
        self._log.append("commit")

    async def rollback(self) -> None:
        self._log.append("rollback")

    async def close(self) -> None:
        self._log.append("close")


def uow(log: list[str], fail_commit: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(lambda: FakeSession(log, fail_commit))  # type: ignore[arg-type,return-value]


def hook(log: list[str], name: str) -> Any:
    async def run() -> None:
        log.append(name)

    return run


async def test_before_commit_hooks_run_just_before_the_commit_and_rollback_hooks_are_dropped() -> (
    None
):
    log: list[str] = []
    async with uow(log) as work:
        work.before_commit(hook(log, "settle"))
        work.after_rollback(hook(log, "give back"))
        await work.commit()
    assert log == ["settle", "commit", "rollback", "close"]


async def test_rollback_hooks_run_when_the_work_is_left_without_commit() -> None:
    log: list[str] = []

    async def refused() -> None:
        async with uow(log) as work:
            work.before_commit(hook(log, "settle"))
            work.after_rollback(hook(log, "give back"))
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await refused()
    assert log == ["rollback", "close", "give back"]


async def test_rollback_hooks_run_when_the_commit_itself_fails() -> None:
    log: list[str] = []

    async def failing_commit() -> None:
        async with uow(log, fail_commit=True) as work:
            work.after_rollback(hook(log, "give back"))
            await work.commit()

    with pytest.raises(RuntimeError):
        await failing_commit()
    assert log == ["rollback", "close", "give back"]


async def test_hooks_belong_to_one_transaction_of_a_unit_of_work() -> None:
    log: list[str] = []

    async def commit_then_fail() -> None:
        async with uow(log) as work:
            work.after_rollback(hook(log, "first"))
            await work.commit()
            work.after_rollback(hook(log, "second"))
            raise ValueError("later")

    with pytest.raises(ValueError, match="later"):
        await commit_then_fail()
    assert log == ["commit", "rollback", "close", "second"]


async def test_a_failing_rollback_hook_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []

    async def broken() -> None:
        raise RuntimeError("redis gone")

    async def refused() -> None:
        async with uow(log) as work:
            work.after_rollback(broken)
            work.after_rollback(hook(log, "next"))
            raise ValueError("x")

    with pytest.raises(ValueError, match="x"):
        await refused()
    assert log[-1] == "next"
    assert "after-rollback hook failed" in caplog.text


async def test_events_reach_the_outbox_in_one_write_before_the_commit_hooks() -> None:
    log: list[str] = []
    async with uow(log) as work:
        work.emit(DomainEvent("order.created", "ord_1", {}))
        work.emit(DomainEvent("stock.changed", "var_1", {}))
        work.before_commit(hook(log, "settle"))
        await work.commit()
    assert log == [
        "outbox ['order.created', 'stock.changed']",
        "settle",
        "commit",
        "rollback",
        "close",
    ]


async def test_a_connection_pool_timeout_is_shed_as_busy_after_rolling_back() -> None:
    log: list[str] = []

    async def starved() -> None:
        async with uow(log) as work:
            work.after_rollback(hook(log, "give back"))
            raise PoolTimeout("QueuePool limit reached, connection timed out")

    with pytest.raises(Busy) as raised:
        await starved()
    assert (raised.value.status_code, raised.value.code) == (503, "busy")
    assert log == ["rollback", "close", "give back"]
