"""A τ database imported once into a SQLite file, copied for every task (``tau replay`` and
``tau run`` start each task from the same fresh state in milliseconds)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from services.bootstrap import bootstrap
from services.migrate import upgrade_async
from services.seed.demo import SeedProgress
from services.tau.exporter import Document, TauExporter
from services.tau.ids import TauIds, load_ids
from services.tau.importer import TauImporter
from services.users.passwords import Argon2PasswordHasher

DATABASE_FILE = "domtok.db"


def tau_settings(base: Settings, data_dir: Path) -> Settings:
    """Settings for a τ database in ``data_dir``: embedded adapters only (a replay must not
    publish events or touch shared caches) and τ's single-item-change order policy."""
    return base.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}",
            "redis_url": "",
            "kafka_bootstrap": "",
            "elasticsearch_url": "",
            "orders_single_item_change": True,
        }
    )


@dataclass(frozen=True)
class TauTemplate:
    """The imported database file, its τ ids, and its export (the state every task starts in)."""

    path: Path
    ids: TauIds
    baseline: Document

    def copy_to(self, directory: Path) -> Path:
        """A fresh copy of the database in ``directory`` (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / DATABASE_FILE
        shutil.copyfile(self.path, target)
        return target


async def build_template(
    base: Settings,
    directory: Path,
    db_json: Path | None = None,
    progress: SeedProgress | None = None,
) -> TauTemplate:
    """Migrate a new SQLite file in ``directory``, import ``db_json`` and export it once."""
    settings = tau_settings(base, directory)
    directory.mkdir(parents=True, exist_ok=True)
    await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    try:
        # τ shoppers never log in; the cheapest hash parameters keep the import quick.
        importer = TauImporter(
            container.uow,
            Argon2PasswordHasher(fast=True),
            currency=settings.currency,
        )
        await importer.run(db_json, progress)
        ids = await load_ids(container.uow)
        baseline = await TauExporter(container.uow).export(ids)
    finally:
        await container.aclose()
    return TauTemplate(directory / DATABASE_FILE, ids, baseline)
