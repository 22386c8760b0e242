"""``domtok tau import``: a τ retail database into the shop.

The catalog and shoppers are loaded by the demo seeder (same rows, τ ids kept as external ids,
τ's cards given the mock provider's approving token since τ keeps no card numbers); this adds
the orders with their lines, payment history and pending requests, and the stock their unshipped
units hold. Records that exist already (by τ id) are left alone, so a second run adds nothing;
for a faithful τ start state import into an empty database, as ``tau replay`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from services.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from services.orders.state_machine import HOLDS_STOCK
from services.payments.models import LedgerEntry
from services.seed.demo import DemoSeeder, NoProgress, SeedProgress
from services.tau.import_rows import (
    ImportRefs,
    MethodRef,
    OrderRows,
    UserRef,
    VariantRef,
    order_rows,
)
from services.tau.records import TauDatabase, load_database
from services.tau.repository import TauRepository
from services.uow import ShopUnitOfWork
from services.users.passwords import PasswordHasher


@dataclass
class ImportReport:
    """Counts of what the import added."""

    created: dict[str, int] = field(default_factory=dict)


class TauImporter:
    """Loads a τ ``db.json`` into a migrated database."""

    def __init__(
        self,
        uow_factory: Callable[[], ShopUnitOfWork],
        hasher: PasswordHasher,
        *,
        currency: str = "USD",
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._currency = currency

    async def run(
        self, path: Path | None = None, progress: SeedProgress | None = None
    ) -> ImportReport:
        """Import ``path`` (the bundled ``db.json`` when None); returns what was added."""
        progress = progress or NoProgress()
        data = load_database(path)
        seeder = DemoSeeder(self._uow, self._hasher, currency=self._currency, data=data.catalog)
        seeded = await seeder.run(progress)
        report = ImportReport(created=dict(seeded.created))
        async with self._uow() as uow:
            repo = TauRepository(uow.session)
            await self._orders(repo, data, report, progress, uow.clock.now())
            await uow.commit()
        return report

    async def _orders(
        self,
        repo: TauRepository,
        data: TauDatabase,
        report: ImportReport,
        progress: SeedProgress,
        now: datetime,
    ) -> None:
        known = {external for _, external, _ in await repo.orders()}
        refs = await _refs(repo)
        clock = _Stamps(now - timedelta(minutes=1))
        built: list[OrderRows] = []
        skipped = 0
        held: dict[str, int] = {}
        for order in data.orders:
            if order.order_id in known:
                continue
            if order.user_id not in refs.users:
                skipped += 1
                continue
            rows = order_rows(order, refs, self._currency, clock.next)
            built.append(rows)
            if rows.order["status"] in HOLDS_STOCK:
                for line in rows.lines:
                    held[line["variant_id"]] = held.get(line["variant_id"], 0) + line["quantity"]
        tables: list[
            tuple[type[Order | OrderLine | LedgerEntry | ReturnRequest | ReturnLine], list]
        ] = [
            (Order, [rows.order for rows in built]),
            (OrderLine, [line for rows in built for line in rows.lines]),
            (LedgerEntry, [entry for rows in built for entry in rows.ledger]),
            (ReturnRequest, [request for rows in built for request in rows.returns]),
            (ReturnLine, [line for rows in built for line in rows.return_lines]),
        ]
        progress.start("orders", sum(len(table_rows) for _, table_rows in tables))
        for model, table_rows in tables:
            await repo.insert_rows(model, table_rows)
            progress.advance("orders", len(table_rows))
        await repo.hold_units(held)
        report.created["orders"] = len(built)
        report.created["orders skipped (user missing)"] = skipped


class _Stamps:
    """Distinct, increasing timestamps (τ has none; order matters for histories and lists)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def next(self) -> datetime:
        self._now += timedelta(microseconds=1)
        return self._now


async def _refs(repo: TauRepository) -> ImportRefs:
    users = {
        str(user.external_id): UserRef(
            id=user.id,
            name=user.name,
            address_id=address.id if address else None,
            address=_snapshot(user.name, address) if address else {},
        )
        for user, address in await repo.users_with_addresses()
    }
    variants = {
        str(variant.external_id): VariantRef(
            id=variant.id,
            product_id=product.id,
            category_id=product.category_id,
            price_minor=variant.price_minor,
        )
        for variant, product, _ in await repo.variants()
    }
    methods = {
        (owner, str(method.external_id)): MethodRef(method.id, method.kind, method.gift_card_id)
        for method, owner in await repo.methods()
    }
    return ImportRefs(users=users, variants=variants, methods=methods)


def _snapshot(name: str, address: object) -> dict[str, str]:
    fields = ("line1", "line2", "city", "state", "zip", "country")
    return {"recipient": name, **{key: str(getattr(address, key) or "") for key in fields}}
