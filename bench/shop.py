"""Databases with data for the benchmarks: the demo shop on SQLite and PostgreSQL, and buyers.

The demo shop is seeded once per run into a template (a SQLite file, a PostgreSQL database);
each benchmark gets a copy, so none sees another's orders.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bench.servers import Databases
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.catalog.models import Category, Product, Variant
from services.kernel.actor import Actor
from services.kernel.ids import new_id
from services.migrate import upgrade_async
from services.users.models import Address, Role, User, UserStatus

# Buyers never log in; any well-formed Argon2 string will do and skips 2,000 slow hashes.
UNUSABLE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hiZW5jaA$YmVuY2hiZW5jaGJlbmNoYmVuY2g"


def bench_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings that never read ``.env`` or the environment's servers: only what is passed."""
    values: dict[str, Any] = {
        "environment": "development",
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": "",
        "kafka_bootstrap": "",
        "elasticsearch_url": "",
        "model_provider": "scripted",
        "log_json": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def server_env(settings: Settings) -> dict[str, str]:
    """``DOMTOK_*`` variables making a subprocess (uvicorn, the CLI) use ``settings``."""
    return {
        "DOMTOK_ENVIRONMENT": settings.environment,
        "DOMTOK_DATA_DIR": str(settings.data_dir),
        "DOMTOK_DATABASE_URL": settings.database_url,
        "DOMTOK_REDIS_URL": settings.redis_url,
        "DOMTOK_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "DOMTOK_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "DOMTOK_ELASTICSEARCH_INDEX": settings.elasticsearch_index,
        "DOMTOK_MODEL_PROVIDER": settings.model_provider,
        "DOMTOK_LOG_JSON": "false",
        "DOMTOK_OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "DOMTOK_OTEL_CONSOLE": "false",
    }


async def seed_demo(settings: Settings) -> None:
    """Migrate and load the demo shop (what ``domtok seed --demo`` does)."""
    from services.seed.demo import DemoSeeder
    from services.users.passwords import Argon2PasswordHasher

    await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    try:
        await DemoSeeder(container.uow, Argon2PasswordHasher(), currency=settings.currency).run()
    finally:
        await container.aclose()


class Fixtures:
    """Per-run templates and the copies handed to benchmarks."""

    def __init__(self, workdir: Path, databases: Databases | None) -> None:
        self.workdir = workdir
        self.databases = databases
        self._sqlite_demo: Path | None = None
        self._pg_demo: str | None = None
        self._pg_empty: str | None = None

    def new_dir(self, name: str) -> Path:
        """A fresh directory under the run's work dir."""
        path = self.workdir / f"{name}-{new_id('d')[2:10]}"
        path.mkdir(parents=True)
        return path

    async def sqlite_demo(self, name: str) -> Settings:
        """Settings over a private copy of a demo-seeded SQLite data dir."""
        if self._sqlite_demo is None:
            template = self.workdir / "sqlite-demo-template"
            template.mkdir(parents=True, exist_ok=True)
            database = template / "domtok.db"
            await seed_demo(bench_settings(template, f"sqlite+aiosqlite:///{database}"))
            self._sqlite_demo = database
        data_dir = self.new_dir(name)
        shutil.copy(self._sqlite_demo, data_dir / "domtok.db")
        return bench_settings(data_dir, f"sqlite+aiosqlite:///{data_dir / 'domtok.db'}")

    async def sqlite_empty(self, name: str) -> Settings:
        """Settings over a new migrated, empty SQLite data dir."""
        data_dir = self.new_dir(name)
        settings = bench_settings(data_dir, f"sqlite+aiosqlite:///{data_dir / 'domtok.db'}")
        await upgrade_async(settings.database_url)
        return settings

    async def postgres_demo(self, name: str) -> Settings:
        """Settings over a new PostgreSQL database cloned from a demo-seeded template."""
        assert self.databases is not None, "PostgreSQL is not available"
        if self._pg_demo is None:
            template, url = await self.databases.create("demo_tpl")
            await seed_demo(bench_settings(self.new_dir("pg-seed"), url))
            self._pg_demo = template
        _, url = await self.databases.create(name, template=self._pg_demo)
        return bench_settings(self.new_dir(name), url)

    async def postgres_empty(self, name: str) -> Settings:
        """Settings over a new migrated, empty PostgreSQL database."""
        assert self.databases is not None, "PostgreSQL is not available"
        if self._pg_empty is None:
            template, url = await self.databases.create("empty_tpl")
            await upgrade_async(url)
            self._pg_empty = template
        _, url = await self.databases.create(name, template=self._pg_empty)
        return bench_settings(self.new_dir(name), url)


@dataclass(frozen=True)
class Buyer:
    """A shopper with a delivery address."""

    actor: Actor
    address_id: str


async def add_buyers(container: Container, count: int, prefix: str) -> list[Buyer]:
    """``count`` customers with one address each, inserted in bulk (no password hashing)."""
    now = datetime.now(UTC)
    users: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    buyers: list[Buyer] = []
    for n in range(count):
        user_id, address_id = new_id("usr"), new_id("adr")
        users.append(
            {
                "id": user_id,
                "email": f"{prefix}-{n}-{user_id[-6:]}@bench.example",
                "name": f"Buyer {n}",
                "password_hash": UNUSABLE_HASH,
                "role": Role.CUSTOMER,
                "status": UserStatus.ACTIVE,
                "created_at": now,
                "updated_at": now,
            }
        )
        addresses.append(
            {
                "id": address_id,
                "user_id": user_id,
                "recipient": f"Buyer {n}",
                "line1": f"{n} Bench Street",
                "line2": "",
                "city": "Springfield",
                "state": "",
                "zip": "12345",
                "country": "US",
                "is_default": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        buyers.append(Buyer(Actor(user_id, "customer"), address_id))
    async with container.sessions() as session:
        await session.execute(insert(User), users)
        await session.execute(insert(Address), addresses)
        await session.commit()
    return buyers


async def add_sale_variant(container: Container, units: int, name: str) -> str:
    """A product with one variant holding ``units`` units; returns the variant id."""
    now = datetime.now(UTC)
    async with container.sessions() as session:
        category_id = await session.scalar(select(Category.id).limit(1))
        if category_id is None:
            category_id = new_id("cat")
            session.add(
                Category(
                    id=category_id, name=f"Bench {category_id}", created_at=now, updated_at=now
                )
            )
        product_id, variant_id = new_id("prd"), new_id("var")
        session.add(
            Product(
                id=product_id,
                name=name,
                description="Flash sale item",
                category_id=category_id,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add(
            Variant(
                id=variant_id,
                product_id=product_id,
                options={"size": "one"},
                price_minor=1999,
                currency=container.settings.currency,
                on_hand=units,
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()
    return variant_id


async def stock_up(container: Container, variant_ids: list[str], units: int) -> None:
    """Give every listed variant ``units`` on hand and make it sellable."""
    async with container.sessions() as session:
        await session.execute(
            update(Variant)
            .where(Variant.id.in_(variant_ids))
            .values(on_hand=units, reserved=0, is_available=True, is_active=True)
        )
        await session.commit()


async def sellable_variants(container: Container, limit: int) -> list[str]:
    """Ids of up to ``limit`` active variants of active products, in id order."""
    async with container.sessions() as session:
        rows = await session.scalars(
            select(Variant.id)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.is_active.is_(True), Product.is_active.is_(True))
            .order_by(Variant.id)
            .limit(limit)
        )
        return list(rows)
