"""How database engines are built: PostgreSQL pools ping connections before handing them out,
so the first request on each connection after a server restart does not fail (the restart itself
is exercised in ``tests/integration/test_postgres_restart.py``)."""

from __future__ import annotations

from pathlib import Path

from services.kernel.db import create_engine


async def test_a_postgres_engine_pings_pooled_connections_before_use() -> None:
    engine = create_engine("postgresql+asyncpg://domtok:domtok@127.0.0.1:1/domtok")
    try:
        assert engine.pool._pre_ping is True
    finally:
        await engine.dispose()


async def test_a_sqlite_engine_needs_no_ping(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        assert engine.pool._pre_ping is False
    finally:
        await engine.dispose()
