"""The τ²-bench retail database as typed records: products and users come from the demo seed's
loader (:mod:`services.seed.tau2`); orders, which the seed leaves out, are read here.

Money stays in integer cents from here on; τ's JSON floats are converted once, on the way in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from services.kernel.money import to_minor
from services.seed.tau2 import DATA_FILE, DATA_PACKAGE, Tau2Data, TauAddress, parse_tau2

TransactionType = Literal["payment", "refund"]


@dataclass(frozen=True, slots=True)
class TauItem:
    """One unit on a τ order (an item id repeats when two units were bought)."""

    item_id: str
    product_id: str
    name: str
    price_minor: int
    options: dict[str, str]


@dataclass(frozen=True, slots=True)
class TauPaymentEntry:
    """One line of a τ order's payment history."""

    transaction_type: TransactionType
    amount_minor: int
    payment_method_id: str


@dataclass(frozen=True, slots=True)
class TauRequest:
    """A pending return or exchange (τ keeps both id lists sorted, so pairs are not kept)."""

    kind: Literal["return", "exchange"]
    item_ids: tuple[str, ...]
    new_item_ids: tuple[str, ...]
    payment_method_id: str
    price_difference_minor: int


@dataclass(frozen=True, slots=True)
class TauOrder:
    """A τ order as stored in ``db.json``."""

    order_id: str
    user_id: str
    address: TauAddress
    items: tuple[TauItem, ...]
    status: str
    tracking_id: str | None
    payments: tuple[TauPaymentEntry, ...]
    cancel_reason: str | None = None
    request: TauRequest | None = None


@dataclass(frozen=True, slots=True)
class TauDatabase:
    """Products, users and orders of a τ retail database, in file order."""

    catalog: Tau2Data
    orders: tuple[TauOrder, ...]


def load_database(path: Path | None = None) -> TauDatabase:
    """Read ``db.json`` (the copy bundled with the demo seed unless ``path`` is given)."""
    return parse_database(load_document(path))


def load_document(path: Path | None = None) -> dict[str, Any]:
    """The decoded JSON of ``db.json`` (the bundled copy unless ``path`` is given)."""
    if path is None:
        raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(raw)
    return document


def parse_database(document: dict[str, Any]) -> TauDatabase:
    """Typed records from the decoded JSON document."""
    orders = tuple(_order(raw) for raw in document.get("orders", {}).values())
    return TauDatabase(catalog=parse_tau2(document), orders=orders)


def _order(raw: dict[str, Any]) -> TauOrder:
    fulfillments = raw.get("fulfillments") or []
    if len(fulfillments) > 1 or any(len(f["tracking_id"]) != 1 for f in fulfillments):
        # Every order of the public database has at most one parcel with one tracking id; an
        # order model with one tracking id would lose the others, so refuse instead.
        raise ValueError(f"order {raw['order_id']}: only one tracking id per order is supported")
    address = raw["address"]
    return TauOrder(
        order_id=raw["order_id"],
        user_id=raw["user_id"],
        address=TauAddress(
            address1=address["address1"],
            address2=address.get("address2") or "",
            city=address["city"],
            state=address.get("state") or "",
            zip=address["zip"],
            country=address["country"],
        ),
        items=tuple(
            TauItem(
                item_id=str(item["item_id"]),
                product_id=str(item["product_id"]),
                name=item["name"],
                price_minor=to_minor(item["price"]),
                options={str(k): str(v) for k, v in item["options"].items()},
            )
            for item in raw["items"]
        ),
        status=raw["status"],
        tracking_id=fulfillments[0]["tracking_id"][0] if fulfillments else None,
        payments=tuple(
            TauPaymentEntry(
                transaction_type=entry["transaction_type"],
                amount_minor=to_minor(entry["amount"]),
                payment_method_id=entry["payment_method_id"],
            )
            for entry in raw["payment_history"]
        ),
        cancel_reason=raw.get("cancel_reason"),
        request=_request(raw),
    )


def _request(raw: dict[str, Any]) -> TauRequest | None:
    if raw.get("return_items"):
        return TauRequest(
            kind="return",
            item_ids=tuple(raw["return_items"]),
            new_item_ids=(),
            payment_method_id=raw["return_payment_method_id"],
            price_difference_minor=0,
        )
    if raw.get("exchange_items"):
        return TauRequest(
            kind="exchange",
            item_ids=tuple(raw["exchange_items"]),
            new_item_ids=tuple(raw.get("exchange_new_items") or ()),
            payment_method_id=raw["exchange_payment_method_id"],
            price_difference_minor=to_minor(raw.get("exchange_price_difference") or 0),
        )
    return None
