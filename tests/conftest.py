"""Fixtures shared by every tier.

``database_url`` gives a test its own migrated database on every backend: a copy of a SQLite
file migrated once per session, and, when ``DOMTOK_TEST_DATABASE_URL`` names a PostgreSQL server,
a database cloned (``CREATE DATABASE ... TEMPLATE``) from one migrated once per session and
dropped after the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from services.migrate import upgrade
from tests.databases import (
    create_database,
    database_names,
    drop_database,
    postgres_base_url,
    unique_name,
)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Test settings that never read the developer's ``.env``.

    Servers stay off unless a test passes them: ``services.sh env`` exports their addresses for
    the integration tier, and tests must not pick them up (and share their state) by accident.
    """
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir}/domtok.db",
        "redis_url": "",
        "kafka_bootstrap": "",
        "elasticsearch_url": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-default settings in a private data directory."""
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "domtok.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per session with Alembic; tests get clones."""
    base = postgres_base_url()
    name = unique_name("domtok_tpl")
    upgrade(create_database(base, name))
    try:
        yield name
    finally:
        drop_database(base, name)


@pytest.fixture(params=database_names())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test: a SQLite file, or a PostgreSQL clone."""
    if request.param == "sqlite":
        database = tmp_path / "domtok.db"
        shutil.copy(request.getfixturevalue("migrated_template"), database)
        yield f"sqlite+aiosqlite:///{database}"
        return
    template = request.getfixturevalue("postgres_template")
    base, name = postgres_base_url(), unique_name("domtok_t")
    yield create_database(base, name, template=template)
    drop_database(base, name)
