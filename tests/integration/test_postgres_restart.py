"""A PostgreSQL restart under a running app fails no request: pooled connections are pinged
before use (``pool_pre_ping``), so the stale ones are replaced instead of failing a query.

The test runs a throwaway cluster of its own (``initdb`` / ``pg_ctl`` on a temporary data dir,
as the postgres OS user when run as root, like ``scripts/services/lib/postgres.sh``), so
restarting it disturbs no other test of the shared server.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.app import create_app
from services.bootstrap import Container, bootstrap
from services.migrate import upgrade
from tests.conftest import make_settings
from tests.databases import SKIP_REASON, postgres_base_url
from tests.e2e.catalog_helpers import sign_in
from tests.ports import free_port

pytestmark = pytest.mark.integration

# As many connections as the engine's pool keeps (``pool_size``): every one of them goes stale.
POOLED = 10
PG_TIMEOUT = "60"


@dataclass(frozen=True)
class Cluster:
    """A private PostgreSQL cluster: its binaries, data dir, socket dir and port."""

    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        """The app's database URL (trust authentication: no password)."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        """Run ``pg_ctl`` on this cluster, waiting for it to finish."""
        options = f"-p {self.port} -k {self.data.parent}"
        log = str(self.data.parent / "postgres.log")
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w"]
        _as_postgres([*command, "-t", PG_TIMEOUT, "-o", options, *args])

    def restart(self) -> None:
        """A fast restart: open sessions are ended, as a server crash or upgrade would."""
        self.pg_ctl("-m", "fast", "restart")


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major)
    return Path(found[-1]).parent if found else None


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _as_postgres(command: list[str]) -> None:
    """PostgreSQL refuses to run as root: as root, run the command as the postgres user."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _init(bin_dir: Path, root: Path) -> Cluster:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    data = root / "data"
    _as_postgres(
        [
            str(bin_dir / "initdb"),
            *("-D", str(data), "-U", "postgres", "-E", "UTF8"),
            *("--no-locale", "--no-sync", "--auth=trust"),
        ]
    )
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\nlisten_addresses = '127.0.0.1'\nfsync = off\nsynchronous_commit = off\n")
    return Cluster(bin_dir, data, free_port())


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A started, migrated private cluster, stopped and deleted afterwards."""
    if not postgres_base_url():
        pytest.skip(SKIP_REASON)
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql")
    root = Path(tempfile.mkdtemp(prefix="domtok-pgrestart-", dir="/tmp"))
    try:
        built = _init(bin_dir, root)
        built.pg_ctl("start")
        try:
            upgrade(built.url)
            yield built
        finally:
            with contextlib.suppress(subprocess.SubprocessError):
                built.pg_ctl("-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def container(cluster: Cluster, tmp_path: Path) -> AsyncIterator[Container]:
    """The app's container over the private cluster."""
    built = bootstrap(make_settings(tmp_path, database_url=cluster.url))
    yield built
    await built.aclose()


async def _fill_pool(container: Container) -> None:
    """Open as many connections as the pool keeps, and hand them back to it."""
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(POOLED):
            connection = await stack.enter_async_context(container.engine.connect())
            await connection.execute(text("SELECT 1"))
    assert container.engine.pool.checkedin() == POOLED


async def _started_at(container: Container) -> object:
    async with container.engine.connect() as connection:
        return await connection.scalar(text("SELECT pg_postmaster_start_time()"))


async def test_a_postgres_restart_fails_no_request(cluster: Cluster, container: Container) -> None:
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        buyer = await sign_in(client, container, "customer")
        paths = ("/users/me", "/orders", "/users/me/addresses")
        for path in paths:
            assert (await client.get(path, headers=buyer.headers)).status_code == 200
        await _fill_pool(container)
        before = await _started_at(container)
        await asyncio.to_thread(cluster.restart)
        # One after another first: the pool hands out each stale connection in turn.
        responses = [
            await client.get(path, headers=buyer.headers) for _ in range(POOLED) for path in paths
        ]
        responses += await asyncio.gather(
            *(client.get(paths[0], headers=buyer.headers) for _ in range(POOLED))
        )
        failed = [f"{r.status_code} {r.text[:200]}" for r in responses if r.status_code != 200]
        assert not failed, f"{len(failed)} of {len(responses)} requests failed: {failed[:3]}"
        assert await _started_at(container) != before, "the server did not restart"
