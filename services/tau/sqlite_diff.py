"""Which τ records a SQLite database changed, compared with the template it was copied from.

Every row of the τ tables is compared with SQLite's ``EXCEPT`` (both ways, so deleted rows
count too), and each differing row is traced to the order, user or product it belongs to. It
finds a change wherever it happened, without trusting ``updated_at``; the replay then exports
just those records.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

# table -> (kind of τ record, SQL giving our record id for a differing row ``x`` of ``{db}``)
_OWNERS: dict[str, tuple[str, str]] = {
    "orders": ("orders", "x.id"),
    "order_lines": ("orders", "x.order_id"),
    "payment_ledger": ("orders", "x.order_id"),
    "order_returns": ("orders", "x.order_id"),
    "order_return_lines": (
        "orders",
        "(SELECT r.order_id FROM {db}.order_returns AS r WHERE r.id = x.return_id)",
    ),
    "users": ("users", "x.id"),
    "addresses": ("users", "x.user_id"),
    "payment_methods": ("users", "x.user_id"),
    "gift_cards": (
        "users",
        "(SELECT m.user_id FROM {db}.payment_methods AS m WHERE m.gift_card_id = x.id)",
    ),
    "products": ("products", "x.id"),
    "variants": ("products", "x.product_id"),
}


@dataclass
class ChangedRows:
    """Our ids of the orders, users and products with at least one differing row."""

    orders: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)


def changed_rows(database: Path, template: Path) -> ChangedRows:
    """Compare ``database`` with ``template`` table by table (read only)."""
    found = ChangedRows()
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.execute("ATTACH DATABASE ? AS base", (f"file:{template}?mode=ro",))
        for table, (kind, owner) in _OWNERS.items():
            ids: set[str] = getattr(found, kind)
            for new, old in (("main", "base"), ("base", "main")):
                query = (
                    f"SELECT {owner.format(db=new)} FROM "  # noqa: S608 (names are constants)
                    f"(SELECT * FROM {new}.{table} EXCEPT SELECT * FROM {old}.{table}) AS x"
                )
                ids.update(str(row[0]) for row in connection.execute(query) if row[0] is not None)
    finally:
        connection.close()
    return found
