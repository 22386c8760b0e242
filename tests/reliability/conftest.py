"""Fixtures of the reliability suite: the e2e database fixtures, and the app with a chat service
whose scripted model replays steps a test sets (so attacks can script the model's tool calls)."""

from __future__ import annotations

import copy
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from agent.chat import ChatService
from agent.scripted import ReplayScript, ScriptedChatModel
from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container
from tests.databases import database_names, drop_database, postgres_base_url
from tests.e2e import conftest as e2e
from tests.reliability.world import World
from tests.reliability.world_template import WorldTemplate, copy_world, drop_template, make_template

# The e2e tier's fixtures: settings over this test's database, and the container over them.
settings = e2e.settings
container = e2e.container

LONG = os.environ.get("DOMTOK_LONG_TESTS", "") == "1"


def long_or(short: int, long: int) -> int:
    """``long`` when ``DOMTOK_LONG_TESTS=1`` asks for the long variants, else ``short``."""
    return long if LONG else short


@pytest.fixture
def script() -> ReplayScript:
    """The steps the chat model replays; tests fill ``script.steps`` before chatting."""
    return ReplayScript([])


@pytest.fixture
async def chat(container: Container, script: ReplayScript) -> AsyncIterator[ChatService]:
    """The chat service over the test database, driven by :func:`script`."""
    model = ScriptedChatModel(script=script)
    async with ChatService.open(container, model=model) as service:
        yield service


@pytest.fixture
async def client(container: Container, chat: ChatService) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app in-process, based at ``/api/v1``, chat included."""
    app = create_app(container=container)
    app.state.chat = chat
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield http


@pytest.fixture(scope="session")
def world_templates() -> Iterator[dict[str, WorldTemplate]]:
    """Worlds built so far this session, by backend."""
    built: dict[str, WorldTemplate] = {}
    yield built
    for template in built.values():
        drop_template(template)


@pytest.fixture(params=database_names())
def world_copy(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    world_templates: dict[str, WorldTemplate],
) -> Iterator[tuple[Settings, World]]:
    """Settings over a private copy of the session's world on this backend, and the world."""
    backend: str = request.param
    if backend not in world_templates:
        migrated = request.getfixturevalue(
            "migrated_template" if backend == "sqlite" else "postgres_template"
        )
        where = tmp_path_factory.mktemp(f"world-{backend}")
        world_templates[backend] = make_template(backend, where, migrated)
    template = world_templates[backend]
    copied, database = copy_world(template, tmp_path_factory.mktemp("world-copy"))
    try:
        yield copied, copy.deepcopy(template.world)
    finally:
        if database is not None:
            drop_database(postgres_base_url(), database)


@pytest.fixture
def world(world_copy: tuple[Settings, World]) -> World:
    """This test's copy of the world (a module over it also sets ``settings`` to the copy's)."""
    return world_copy[1]
