"""τ's database in and out: an export right after the import is τ's db.json again, and the
request statuses of an export read back in."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from pathlib import Path
from typing import Any

from services.bootstrap import bootstrap
from services.migrate import upgrade
from services.seed.tau2 import DATA_FILE, DATA_PACKAGE
from services.tau.compare import normalise_record
from services.tau.exporter import TauExporter
from services.tau.importer import TauImporter
from services.tau.template import TauTemplate, tau_settings
from services.users.passwords import Argon2PasswordHasher
from tests.conftest import make_settings
from tests.tau.conftest import Desk, orders_where


def bundled_db() -> dict[str, Any]:
    return json.loads(resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text("utf-8"))


def test_export_right_after_import_is_db_json_for_every_record(template: TauTemplate) -> None:
    original = bundled_db()
    for kind in ("products", "users", "orders"):
        assert list(template.baseline[kind]) == list(original[kind]), f"{kind} order or ids"
        for record_id, record in original[kind].items():
            assert template.baseline[kind][record_id] == record, f"{kind} {record_id}"


def test_export_writes_taus_float_dollars_and_field_names(template: TauTemplate) -> None:
    order = next(iter(template.baseline["orders"].values()))
    assert set(order) == {
        "order_id",
        "user_id",
        "address",
        "items",
        "status",
        "fulfillments",
        "payment_history",
    }
    assert isinstance(order["items"][0]["price"], float)
    assert order["payment_history"][0]["transaction_type"] == "payment"


async def test_an_export_with_requests_reads_back_unchanged(tau: Desk, tmp_path: Path) -> None:
    delivered = [o for o in orders_where(tau.template, lambda o: o["status"] == "delivered")]
    returned, exchanged = delivered[0], delivered[1]
    first = returned["items"][0]
    await tau.ok(
        "return_delivered_order_items",
        order_id=returned["order_id"],
        item_ids=[first["item_id"]],
        payment_method_id=returned["payment_history"][0]["payment_method_id"],
    )
    item = next(
        i
        for i in exchanged["items"]
        if any(
            v["available"] and v["item_id"] != i["item_id"]
            for v in tau.template.baseline["products"][i["product_id"]]["variants"].values()
        )
    )
    new = next(
        v
        for v in tau.template.baseline["products"][item["product_id"]]["variants"].values()
        if v["available"] and v["item_id"] != item["item_id"]
    )
    await tau.ok(
        "exchange_delivered_order_items",
        order_id=exchanged["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=exchanged["payment_history"][0]["payment_method_id"],
    )
    exported = await TauExporter(tau.container.uow).export()
    assert exported["orders"][returned["order_id"]]["status"] == "return requested"

    db_json = tmp_path / "exported.json"
    db_json.write_text(json.dumps(exported), encoding="utf-8")
    again = await _import_and_export(tmp_path / "again", db_json)
    for kind in ("products", "users", "orders"):
        for record_id, record in exported[kind].items():
            assert normalise_record(kind, again[kind][record_id]) == normalise_record(
                kind, record
            ), f"{kind} {record_id}"


async def _import_and_export(directory: Path, db_json: Path) -> dict[str, Any]:
    settings = tau_settings(make_settings(directory), directory)
    directory.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.database_url)
    container = bootstrap(settings)
    try:
        importer = TauImporter(container.uow, Argon2PasswordHasher(fast=True))
        await importer.run(db_json)
        return await TauExporter(container.uow).export()
    finally:
        await container.aclose()
