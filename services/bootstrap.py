"""The composition root: builds engine, adapters and services from Settings.

The API's lifespan, the CLI, the worker and the agent all call :func:`bootstrap`; tests pass
their own clock or adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config.settings import Settings
from services.kernel.clock import Clock, SystemClock
from services.kernel.db import create_engine, session_factory
from services.kernel.events import InProcessEventBus
from services.uow import ShopUnitOfWork


@dataclass
class Container:
    """Everything the entry points need, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    bus: InProcessEventBus
    uow: Callable[[], ShopUnitOfWork]

    async def check_database(self) -> None:
        """Raise if the database does not answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        """Release connections."""
        await self.engine.dispose()


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Build the container for ``settings``."""
    engine = create_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    bus = InProcessEventBus()

    def uow() -> ShopUnitOfWork:
        return ShopUnitOfWork(sessions, bus, clock)

    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        bus=bus,
        uow=uow,
    )
