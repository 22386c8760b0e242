"""Insert rows for one τ order: the order, one line per unit, its ledger and any return request.

Plain dicts, no database access. τ has no timestamps, so rows get distinct, ordered times from
the caller (``stamp``), which keeps payment history and per-user order lists in τ's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.kernel.ids import new_id
from services.orders.models import ReturnKind, ReturnStatus
from services.orders.state_machine import OrderStatus
from services.payments.models import EntryKind, EntryStatus, Purpose
from services.tau.records import TauOrder, TauPaymentEntry
from services.tau.statuses import our_status
from services.users.models import PaymentKind

Row = dict[str, Any]
Stamp = Callable[[], datetime]

S = OrderStatus
_SHIPPED = {S.SHIPPED, S.DELIVERED, S.RETURN_REQUESTED, S.EXCHANGE_REQUESTED}
_DELIVERED = {S.DELIVERED, S.RETURN_REQUESTED, S.EXCHANGE_REQUESTED}


@dataclass(frozen=True, slots=True)
class VariantRef:
    """Our variant for a τ item id, with its product and category."""

    id: str
    product_id: str
    category_id: str
    price_minor: int


@dataclass(frozen=True, slots=True)
class MethodRef:
    """Our payment method for a τ payment method id."""

    id: str
    kind: PaymentKind
    gift_card_id: str | None


@dataclass(frozen=True, slots=True)
class UserRef:
    """Our user for a τ user id, and their default address (id and snapshot)."""

    id: str
    name: str
    address_id: str | None
    address: dict[str, str]


@dataclass
class ImportRefs:
    """τ ids resolved to ours, for building order rows."""

    users: dict[str, UserRef]
    variants: dict[str, VariantRef]
    methods: dict[tuple[str, str], MethodRef]


@dataclass
class OrderRows:
    """Everything one τ order becomes."""

    order: Row
    lines: list[Row]
    ledger: list[Row] = field(default_factory=list)
    returns: list[Row] = field(default_factory=list)
    return_lines: list[Row] = field(default_factory=list)


def order_rows(order: TauOrder, refs: ImportRefs, currency: str, stamp: Stamp) -> OrderRows:
    """The rows of one τ order (KeyError names an id the database does not have)."""
    user = refs.users[order.user_id]
    status, items_modified = our_status(order.status)
    created = stamp()
    order_id = new_id("ord")
    snapshot = {"recipient": user.name, **_address(order)}
    subtotal = sum(item.price_minor for item in order.items)
    first_method = _method(refs, order, order.payments[0]) if order.payments else None
    row: Row = {
        "id": order_id,
        "user_id": user.id,
        "status": status,
        "currency": currency,
        "subtotal_minor": subtotal,
        "discount_minor": 0,
        "shipping_minor": 0,
        "total_minor": subtotal,
        "address_id": user.address_id if snapshot == user.address else None,
        "shipping_address": snapshot,
        "coupon_code": None,
        "user_coupon_id": None,
        "payment_method_id": first_method.id if first_method else None,
        "expires_at": None,
        "paid_at": created,
        "shipped_at": created if status in _SHIPPED else None,
        "delivered_at": created if status in _DELIVERED else None,
        "cancelled_at": created if status == S.CANCELLED else None,
        "cancel_reason": order.cancel_reason,
        "tracking_id": order.tracking_id,
        "items_modified": items_modified,
        "deleted_at": None,
        "external_id": order.order_id,
        "version": 1,
        "created_at": created,
        "updated_at": created,
    }
    lines = [
        {
            "id": new_id("oli"),
            "order_id": order_id,
            "position": position,
            "variant_id": refs.variants[item.item_id].id,
            "product_id": refs.variants[item.item_id].product_id,
            "category_id": refs.variants[item.item_id].category_id,
            "product_name": item.name,
            "options": dict(item.options),
            "unit_price_minor": item.price_minor,
            "quantity": 1,
        }
        for position, item in enumerate(order.items)
    ]
    rows = OrderRows(order=row, lines=lines)
    rows.ledger = _ledger(order, refs, row, currency, stamp)
    _request_rows(order, refs, rows, stamp)
    return rows


def _address(order: TauOrder) -> dict[str, str]:
    address = order.address
    return {
        "line1": address.address1,
        "line2": address.address2,
        "city": address.city,
        "state": address.state,
        "zip": address.zip,
        "country": address.country,
    }


def _method(refs: ImportRefs, order: TauOrder, entry: TauPaymentEntry) -> MethodRef:
    return refs.methods[(order.user_id, entry.payment_method_id)]


def _ledger(order: TauOrder, refs: ImportRefs, row: Row, currency: str, stamp: Stamp) -> list[Row]:
    """Charges and refunds in τ's order; a refund is linked to a charge of its method that still
    has that much left, so later refunds draw on what is really refundable. Zero amounts (τ
    records a zero "refund" for a same-price item swap) have no ledger row."""
    rows: list[Row] = []
    left: dict[str, int] = {}
    charges = 0
    for n, entry in enumerate(order.payments):
        if entry.amount_minor <= 0:
            continue
        method = _method(refs, order, entry)
        is_charge = entry.transaction_type == "payment"
        ref = method.gift_card_id if method.kind == PaymentKind.GIFT_CARD else None
        ledger: Row = {
            "id": new_id("led"),
            "order_id": row["id"],
            "user_id": row["user_id"],
            "kind": EntryKind.CHARGE if is_charge else EntryKind.REFUND,
            "status": EntryStatus.SUCCEEDED,
            "purpose": _purpose(is_charge, charges, row["status"]),
            "amount_minor": entry.amount_minor,
            "currency": currency,
            "payment_method_id": method.id,
            "method_kind": method.kind.value,
            "gateway_ref": ref or f"tau-{order.order_id}-{n}",
            "charge_entry_id": None,
            "operation_key": f"{row['id']}:payment" if n == 0 else f"{row['id']}:tau:{n}",
            "failure_code": None,
            "created_at": stamp(),
        }
        if is_charge:
            charges += 1
            left[ledger["id"]] = entry.amount_minor
        else:
            ledger["charge_entry_id"] = _charge_for(rows, left, method.id, entry.amount_minor)
        rows.append(ledger)
    return rows


def _purpose(is_charge: bool, charges_before: int, status: OrderStatus) -> Purpose:
    if is_charge:
        return Purpose.PAYMENT if charges_before == 0 else Purpose.ADJUSTMENT
    return Purpose.CANCELLATION if status == S.CANCELLED else Purpose.ADJUSTMENT


def _charge_for(rows: list[Row], left: dict[str, int], method_id: str, amount: int) -> str | None:
    """The earliest charge of ``method_id`` with at least ``amount`` left (which it then uses)."""
    for charge in rows:
        charge_id = str(charge["id"])
        if charge["payment_method_id"] == method_id and left.get(charge_id, 0) >= amount:
            left[charge_id] -= amount
            return charge_id
    return None


def _request_rows(order: TauOrder, refs: ImportRefs, rows: OrderRows, stamp: Stamp) -> None:
    """The pending return or exchange of an order in a request status (an export of ours read
    back in). Lines are matched by item id; an exchange's new item is the first unused one of
    the same product, since τ sorts the two id lists apart."""
    request = order.request
    if request is None or rows.order["status"] not in (S.RETURN_REQUESTED, S.EXCHANGE_REQUESTED):
        return
    request_id = new_id("ret")
    free = list(rows.lines)
    new_ids = list(request.new_item_ids)
    returned = 0
    for item_id in request.item_ids:
        variant = refs.variants[item_id]
        line = next(line for line in free if line["variant_id"] == variant.id)
        free.remove(line)
        returned += int(line["unit_price_minor"])
        new = _replacement(refs, new_ids, variant.product_id)
        rows.return_lines.append(
            {
                "id": new_id("rtl"),
                "return_id": request_id,
                "order_line_id": line["id"],
                "variant_id": line["variant_id"],
                "quantity": 1,
                "new_variant_id": new.id if new else None,
                "new_unit_price_minor": new.price_minor if new else None,
            }
        )
    created = stamp()
    exchange = request.kind == "exchange"
    rows.returns.append(
        {
            "id": request_id,
            "order_id": rows.order["id"],
            "user_id": rows.order["user_id"],
            "kind": ReturnKind.EXCHANGE if exchange else ReturnKind.RETURN,
            "status": ReturnStatus.REQUESTED,
            "payment_method_id": refs.methods[(order.user_id, request.payment_method_id)].id,
            "amount_minor": request.price_difference_minor if exchange else returned,
            "currency": rows.order["currency"],
            "reason": "",
            "completed_at": None,
            "completed_by": None,
            "created_at": created,
            "updated_at": created,
        }
    )


def _replacement(refs: ImportRefs, new_ids: list[str], product_id: str) -> VariantRef | None:
    for item_id in new_ids:
        variant = refs.variants.get(item_id)
        if variant is not None and variant.product_id == product_id:
            new_ids.remove(item_id)
            return variant
    return None
