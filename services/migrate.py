"""Run Alembic migrations from code (the CLI, ``make``, and test fixtures use this)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (runs in a worker thread if a loop is running)."""
    config = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    raise RuntimeError("call upgrade_async() from async code")


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """Async-friendly :func:`upgrade`: Alembic's own event loop runs in a thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)
