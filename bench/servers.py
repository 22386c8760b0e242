"""The real servers a benchmark needs: started through ``services.sh``, and only those stopped.

A server another session already runs is used as it is and left running. Every PostgreSQL
database a benchmark uses is created for this run (``dtbench_*``) and dropped at the end; Redis
work goes to a database number of its own.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import subprocess

import asyncpg
from sqlalchemy.engine import make_url

from bench.common import ROOT

log = logging.getLogger("bench")

SERVICES_SH = ROOT / "scripts" / "services" / "services.sh"
# Keys of the stock gate and the cache are per variant id, but a database of our own keeps the
# benchmark's counters apart from any other session using the same Redis.
BENCH_REDIS_DB = 13


class Servers:
    """Starts what is missing, remembers what it started, stops only that."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.unavailable: dict[str, str] = {}
        self._env: dict[str, str] | None = None

    def running(self, name: str) -> bool:
        """True when ``services.sh status`` says the server answers."""
        done = subprocess.run(
            ["bash", str(SERVICES_SH), "status", name], capture_output=True, text=True, check=False
        )
        return done.returncode == 0

    def pid(self, name: str) -> int | None:
        """The process id ``services.sh status`` reports for a running server."""
        done = subprocess.run(
            ["bash", str(SERVICES_SH), "status", name], capture_output=True, text=True, check=False
        )
        parts = done.stdout.split()
        if len(parts) > 2 and parts[1] == "pid" and parts[2].isdigit():
            return int(parts[2])
        return None

    def ensure(self, *names: str) -> list[str]:
        """Make each server answer (starting it if needed); returns those that do."""
        up = []
        for name in names:
            if name in self.unavailable:
                continue
            if self.running(name):
                up.append(name)
                continue
            log.info("starting %s through services.sh", name)
            done = subprocess.run(
                ["bash", str(SERVICES_SH), "start", name],
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
            if done.returncode == 0 and self.running(name):
                self.started.append(name)
                up.append(name)
            else:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                self.unavailable[name] = " / ".join(tail) or f"exit {done.returncode}"
                log.warning("%s is unavailable: %s", name, self.unavailable[name])
        return up

    def env(self) -> dict[str, str]:
        """The servers' addresses as ``services.sh env`` prints them."""
        if self._env is None:
            done = subprocess.run(
                ["bash", str(SERVICES_SH), "env"], capture_output=True, text=True, check=True
            )
            self._env = {}
            for line in done.stdout.splitlines():
                if line.startswith("export ") and "=" in line:
                    key, value = line.removeprefix("export ").split("=", 1)
                    self._env[key] = value.strip("'\"")
        return self._env

    def postgres_url(self) -> str:
        """The maintenance URL of the PostgreSQL server (database ``domtok``)."""
        return self.env()["DOMTOK_DATABASE_URL"]

    def redis_url(self) -> str:
        """A Redis URL on the benchmark's own database number."""
        base = self.env()["DOMTOK_REDIS_URL"].rsplit("/", 1)[0]
        return f"{base}/{BENCH_REDIS_DB}"

    def elasticsearch_url(self) -> str:
        """The Elasticsearch server's URL."""
        return self.env()["DOMTOK_ELASTICSEARCH_URL"]

    def clear_bench_redis(self) -> None:
        """Drop what the benchmarks left in their own Redis database (counters, cache)."""
        if "redis" in self.unavailable or not self.running("redis"):
            return
        import redis

        client = redis.Redis.from_url(self.redis_url(), socket_timeout=5)
        try:
            client.flushdb()
        except redis.RedisError as exc:
            log.warning("could not clear Redis database %d: %s", BENCH_REDIS_DB, exc)
        finally:
            client.close()

    def stop_started(self) -> None:
        """Stop the servers this run started, and nothing else."""
        if not self.started:
            return
        log.info("stopping %s (started by this run)", ", ".join(self.started))
        subprocess.run(
            ["bash", str(SERVICES_SH), "stop", *self.started],
            capture_output=True,
            check=False,
            timeout=300,
        )
        self.started.clear()


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as a plain asyncpg DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name``."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


class Databases:
    """PostgreSQL databases created for this run, all dropped by :meth:`drop_all`."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(self.server_url), timeout=10)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    async def create(self, prefix: str, template: str | None = None) -> tuple[str, str]:
        """A new database (a copy of ``template`` when given): its name and URL."""
        name = f"dtbench_{prefix}_{secrets.token_hex(4)}"
        clause = f' TEMPLATE "{template}"' if template else ""
        await self._admin(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return name, with_database(self.server_url, name)

    async def drop_all(self) -> None:
        """Drop every database this run created."""
        for name in self.created:
            try:
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("could not drop %s: %s", name, exc)
        self.created.clear()


def drop_all_sync(databases: Databases) -> None:
    """:meth:`Databases.drop_all` from synchronous code."""
    asyncio.run(databases.drop_all())
