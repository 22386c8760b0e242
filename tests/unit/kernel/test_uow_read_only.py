"""A read-only unit of work: its session is opened as a reader's, and it refuses to commit."""

from __future__ import annotations

from typing import Any

import pytest

from services.kernel.db import read_only_options
from services.kernel.uow import SqlUnitOfWork


class Sessions:
    """A session factory that records the options each session was opened with."""

    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def __call__(self, **options: Any) -> Sessions:
        self.opened.append(options)
        return self

    async def rollback(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def test_a_reader_opens_its_session_with_the_read_only_options() -> None:
    sessions = Sessions()
    async with SqlUnitOfWork(sessions).read_only():  # type: ignore[arg-type]
        pass
    async with SqlUnitOfWork(sessions):  # type: ignore[arg-type]
        pass
    assert sessions.opened == [{"execution_options": read_only_options()}, {}]


async def test_a_reader_cannot_commit() -> None:
    async with SqlUnitOfWork(Sessions()).read_only() as work:  # type: ignore[arg-type]
        with pytest.raises(RuntimeError, match="read-only"):
            await work.commit()
