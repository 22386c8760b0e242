"""A :class:`World` built once per session and backend, copied for every test that acts on it.

Building a world takes dozens of requests; the authorization matrix needs a fresh one per row.
So the world is built once into a data directory (SQLite file, chat checkpoints, media) or a
PostgreSQL database, and each test gets a copy: a file copy, or ``CREATE DATABASE ... TEMPLATE``.
Tokens in the world stay valid in the copies (same secret, long lifetime), bans and revocations
are rows, so they are copied too.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from agent.chat import ChatService
from agent.scripted import ReplayScript, ScriptedChatModel
from api.app import create_app
from config.settings import Settings
from services.bootstrap import bootstrap
from tests.conftest import make_settings
from tests.databases import create_database, drop_database, postgres_base_url, unique_name
from tests.reliability.world import World, build_world

# Long enough for a whole test session: the copies reuse the tokens issued while building.
TOKEN_MINUTES = 24 * 60


@dataclass(frozen=True)
class WorldTemplate:
    """A built world and where its state lives."""

    backend: str
    data_dir: Path
    database: str
    world: World


def world_settings(data_dir: Path, database_url: str) -> Settings:
    """Settings of a world and of its copies (the same secret and token lifetime)."""
    return make_settings(
        data_dir,
        database_url=database_url,
        access_token_minutes=TOKEN_MINUTES,
        model_provider="scripted",
    )


async def build_world_over(settings: Settings) -> World:
    """Build a world over ``settings``'s (migrated) database, through the API in-process."""
    container = bootstrap(settings)
    script = ReplayScript([])
    try:
        async with ChatService.open(container, model=ScriptedChatModel(script=script)) as chat:
            app = create_app(container=container)
            app.state.chat = chat
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as h:
                return await build_world(h, container, chat, script)
    finally:
        await container.aclose()


def make_template(backend: str, data_dir: Path, migrated: Path | str) -> WorldTemplate:
    """Build the world on ``backend`` from a migrated SQLite file or PostgreSQL template name."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        database = data_dir / "domtok.db"
        shutil.copy(migrated, database)
        url = f"sqlite+aiosqlite:///{database}"
        name = str(database)
    else:
        name = unique_name("domtok_world")
        url = create_database(postgres_base_url(), name, template=str(migrated))
    world = asyncio.run(build_world_over(world_settings(data_dir, url)))
    return WorldTemplate(backend, data_dir, name, world)


def drop_template(template: WorldTemplate) -> None:
    """Remove a PostgreSQL template database (SQLite ones go with their directory)."""
    if template.backend != "sqlite":
        drop_database(postgres_base_url(), template.database)


def copy_world(template: WorldTemplate, data_dir: Path) -> tuple[Settings, str | None]:
    """Settings over a private copy of the world, and the PostgreSQL database to drop after."""
    shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
    if template.backend == "sqlite":
        return world_settings(data_dir, f"sqlite+aiosqlite:///{data_dir / 'domtok.db'}"), None
    name = unique_name("domtok_wc")
    url = create_database(postgres_base_url(), name, template=template.database)
    return world_settings(data_dir, url), name
