"""Our records in τ's JSON shape: dollars as floats, τ ids and field names, τ statuses.

The desk's tools and the export both go through these functions, from the same schemas the
API returns (``OrderOut``, ``UserOut``, ``PaymentMethodOut``, ``VariantOut``), so what the agent
reads is exactly what ``tau export`` writes. Optional order fields are left out when unset, as
in τ's ``db.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from services.catalog.schemas import VariantOut
from services.kernel.money import to_major
from services.orders.schemas import OrderOut, ReturnOut
from services.payments.schemas import LedgerEntryOut
from services.tau.ids import TauIds
from services.tau.statuses import tau_status
from services.users.payment_schemas import PaymentMethodOut
from services.users.schemas import AddressOut, UserOut

Record = dict[str, Any]

_SOURCES = {"card": "credit_card", "gift_card": "gift_card", "paypal": "paypal"}


def dollars(minor: int, currency: str = "USD") -> float:
    """Minor units as τ's float amount (exact to the cent: ``int / 100`` rounds correctly)."""
    return float(to_major(minor, currency))


def tau_address(
    line1: str, line2: str, city: str, state: str, zip_code: str, country: str
) -> Record:
    """τ's address shape."""
    return {
        "address1": line1,
        "address2": line2,
        "city": city,
        "country": country,
        "state": state,
        "zip": zip_code,
    }


def tau_order(order: OrderOut, ids: TauIds) -> Record:
    """An order as τ's ``get_order_details`` returns it."""
    cur = order.total.currency
    items = [
        {
            "name": line.product_name,
            "product_id": ids.products.tau_id(line.product_id) or line.product_id,
            "item_id": _item(ids, line.variant_id),
            "price": dollars(line.unit_price.amount, cur),
            "options": dict(line.options),
        }
        for line in order.lines
        for _ in range(line.quantity)
    ]
    ship = order.shipping_address
    record: Record = {
        "order_id": ids.orders.tau_id(order.id) or order.id,
        "user_id": ids.users.tau_id(order.user_id) or order.user_id,
        "address": tau_address(
            ship.get("line1", ""),
            ship.get("line2", ""),
            ship.get("city", ""),
            ship.get("state", ""),
            ship.get("zip", ""),
            ship.get("country", ""),
        ),
        "items": items,
        "status": tau_status(order.status, order.items_modified),
        "fulfillments": [
            {"tracking_id": [order.tracking_id], "item_ids": [item["item_id"] for item in items]}
        ]
        if order.tracking_id
        else [],
        "payment_history": _history([*order.payments, *order.refunds], ids),
    }
    if order.cancel_reason:
        record["cancel_reason"] = order.cancel_reason
    record.update(_requests(order.returns, ids))
    return record


def _item(ids: TauIds, variant_id: str) -> str:
    return ids.variants.tau_id(variant_id) or variant_id


def _method(ids: TauIds, method_id: str) -> str:
    return ids.method_tau.get(method_id, method_id)


def _history(entries: Sequence[LedgerEntryOut], ids: TauIds) -> list[Record]:
    """Successful charges and refunds in the order they happened (a charge before a refund
    made at the same instant: moving a payment charges the new method, then refunds)."""
    done = sorted(
        (e for e in entries if e.status == "succeeded"),
        key=lambda e: (e.created_at, e.kind != "charge", e.id),
    )
    return [
        {
            "transaction_type": "payment" if entry.kind == "charge" else "refund",
            "amount": dollars(entry.amount.amount, entry.amount.currency),
            "payment_method_id": _method(ids, entry.payment_method_id),
        }
        for entry in done
    ]


def _requests(returns: Sequence[ReturnOut], ids: TauIds) -> Record:
    """τ's return/exchange fields from the latest request of each kind (id lists sorted, as τ
    stores them)."""
    fields: Record = {}
    for request in returns:
        old = sorted(
            _item(ids, line.variant_id) for line in request.lines for _ in range(line.quantity)
        )
        method = _method(ids, request.payment_method_id)
        if request.kind == "return":
            fields["return_items"] = old
            fields["return_payment_method_id"] = method
            continue
        fields["exchange_items"] = old
        fields["exchange_new_items"] = sorted(
            _item(ids, line.new_variant_id)
            for line in request.lines
            if line.new_variant_id is not None
            for _ in range(line.quantity)
        )
        fields["exchange_payment_method_id"] = method
        fields["exchange_price_difference"] = dollars(
            request.amount.amount, request.amount.currency
        )
    return fields


def tau_user(
    user: UserOut,
    address: AddressOut | None,
    methods: Iterable[PaymentMethodOut],
    order_ids: Sequence[str],
    ids: TauIds,
) -> Record:
    """A user as τ's ``get_user_details`` returns it (τ payment methods and orders only)."""
    first, _, last = user.name.partition(" ")
    wallet: Record = {}
    for method in methods:
        tau_id = ids.method_tau.get(method.id)
        if tau_id is not None:
            wallet[tau_id] = tau_method(method, tau_id)
    return {
        "user_id": ids.users.tau_id(user.id) or user.id,
        "name": {"first_name": first, "last_name": last},
        "address": tau_address(
            address.line1, address.line2, address.city, address.state, address.zip, address.country
        )
        if address is not None
        else {},
        "email": user.email,
        "payment_methods": wallet,
        "orders": [tau_id for tau_id in (ids.orders.tau_id(o) for o in order_ids) if tau_id],
    }


def tau_method(method: PaymentMethodOut, tau_id: str) -> Record:
    """A payment method in τ's shape (by source)."""
    source = _SOURCES[method.kind]
    record: Record = {"source": source, "id": tau_id}
    if source == "credit_card":
        record |= {"brand": method.brand, "last_four": method.last4}
    elif source == "gift_card" and method.balance is not None:
        record["balance"] = dollars(method.balance.amount, method.balance.currency)
    return record


def tau_variant(variant: VariantOut, ids: TauIds) -> Record:
    """An item as τ's ``get_item_details`` returns it."""
    return {
        "item_id": _item(ids, variant.id),
        "options": dict(variant.options),
        "available": variant.is_available,
        "price": dollars(variant.price.amount, variant.price.currency),
    }


def tau_product(name: str, product_id: str, variants: Iterable[VariantOut], ids: TauIds) -> Record:
    """A product as τ's ``get_product_details`` returns it (τ items only)."""
    return {
        "name": name,
        "product_id": product_id,
        "variants": {
            record["item_id"]: record
            for record in (tau_variant(v, ids) for v in variants if ids.variants.tau_id(v.id))
        },
    }
