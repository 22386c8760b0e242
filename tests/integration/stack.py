"""Helpers for the Kafka and Elasticsearch integration tests.

Servers come from ``scripts/services/services.sh`` (run ``eval "$(bash
scripts/services/services.sh env)"``); a test whose server variable is unset skips and says
which. Each test gets its own SQLite database, index alias and topic prefix, so tests never see
each other's data. Fault tests stop and restart a server through the same script.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.catalog.schemas import PriceIn, ProductIn, ProductOut, VariantIn
from services.kernel.actor import Actor
from services.users.schemas import RegisterIn
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
SERVICES_SH = ROOT / "scripts" / "services" / "services.sh"


def server_env(name: str) -> str:
    """The server address in ``name``, or skip the test saying how to get one."""
    value = os.environ.get(name, "")
    if not value:
        pytest.skip(f'{name} is not set; run `eval "$(bash scripts/services/services.sh env)"`')
    return value


def unique(prefix: str) -> str:
    """A name no other test uses (lower case: index names must be)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def services(*args: str) -> None:
    """Run ``services.sh`` (start/stop a server) and fail the test with its output if it fails."""
    done = subprocess.run(
        ["bash", str(SERVICES_SH), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"services.sh {' '.join(args)} failed:\n{done.stdout}{done.stderr}"


def stack_settings(database: Path, **overrides: Any) -> Settings:
    """Settings over ``database`` with the given servers (none unless passed)."""
    return make_settings(
        database.parent,
        database_url=f"sqlite+aiosqlite:///{database}",
        **overrides,
    )


async def wait_for(
    check: Callable[[], Awaitable[bool]], timeout: float = 60.0, every: float = 0.25
) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not true within {timeout}s"
        await asyncio.sleep(every)


async def admin_actor(container: Container) -> Actor:
    """A fresh admin account (products need an existing merchant)."""
    email = f"{unique('admin')}@example.com"
    data = RegisterIn(email=email, password=SecretStr("correct-horse-42"), name="Admin")  # type: ignore[arg-type]
    user = await container.users.create_user(data, role="admin")
    return Actor(user.id, "admin")


def variant(options: dict[str, str], amount: int, on_hand: int = 5, **extra: Any) -> VariantIn:
    """A variant spec with a price in minor units."""
    return VariantIn(options=options, price=PriceIn(amount=amount), on_hand=on_hand, **extra)


async def product(
    container: Container,
    actor: Actor,
    category_id: str,
    name: str,
    variants: list[VariantIn],
    description: str = "",
) -> ProductOut:
    """Create a product through the catalog service."""
    data = ProductIn(name=name, description=description, category_id=category_id, variants=variants)
    return await container.catalog.create_product(actor, data)


def build(settings: Settings) -> Container:
    """The container for ``settings``."""
    return bootstrap(settings)
