"""The authorization matrix of ids sent in request bodies: who may name which resource.

A row is keyed by (method, path, field) — the field as a dotted path into the body, with an
optional note after a space when one field needs several rows (``"scope_id (category)"``);
``scope`` names no id but decides what a coupon discounts, so it has a row too.
Every caller sends the row's body, which names a resource of the owner (or of merchant A); on
routes whose path names a resource too, each caller acts on a path of their own (``paths``), so
the only thing refused is the body's reference. Public catalog ids (variants, categories) may be
named by anyone; the path or the role decides.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.authz_table import (
    V1,
    Body,
    Fill,
    Rule,
    admin_only,
    merchant_owned,
    owned,
    per_actor,
    shared_staff,
)
from tests.reliability.world import World


def _no_ids(world: World) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class BodyRule:
    """Expected status per actor for a body naming someone's resource, and each actor's path."""

    body: Body
    expect: dict[str, int]
    fill: Fill = _no_ids
    paths: dict[str, Fill] = field(default_factory=dict)
    idempotent: bool = False

    def rule_for(self, actor: str) -> Rule:
        """The request ``actor`` makes: their own path ids, the row's body."""
        fill = self.paths.get(actor, self.fill)
        return Rule(fill, self.expect, body=self.body, idempotent=self.idempotent)


def _order_path(owner: str, other: str) -> dict[str, Fill]:
    """The owner and the other customer each act on an order of their own."""

    def of(attr: str) -> Fill:
        return lambda w: {"order_id": str(getattr(w, attr))}

    return {"owner": of(owner), "other": of(other), "anonymous": of(owner)}


def _own_order(success: int, refused: int) -> dict[str, int]:
    """The other customer names the owner's resource on their own order."""
    return {"owner": success, "other": refused, "anonymous": 401}


PENDING_OF_EACH = _order_path("pending_order_id", "other_pending_order_id")
DELIVERED_OF_EACH = _order_path("delivered_order_id", "other_delivered_order_id")


def _coupon(scope: str, scope_id: Callable[[World], str | None]) -> Body:
    """A 100%-off coupon with a fresh code (an allowed caller cannot clash with another)."""

    def body(world: World) -> dict[str, Any]:
        return {
            "code": f"FREE{secrets.token_hex(4).upper()}",
            "kind": "percent_off",
            "percent_off": 100,
            "scope": scope,
            "scope_id": scope_id(world),
            "expires_at": "2099-01-01T00:00:00Z",
        }

    return body


def _items(world: World, variant: str, new_variant: str | None = None) -> list[dict[str, str]]:
    item = {"variant_id": str(getattr(world, variant))}
    if new_variant is not None:
        item["new_variant_id"] = str(getattr(world, new_variant))
    return [item]


def _staff_coupon(admin: int, merchant_a: int) -> dict[str, int]:
    """Creating a coupon: customers never; merchant B never discounts merchant A's goods."""
    return {**admin_only(admin), "merchant_a": merchant_a, "merchant_b": 403}


ORDERS = V1 + "/orders"
ORDER = ORDERS + "/{order_id}"

BODY_MATRIX: dict[tuple[str, str, str], BodyRule] = {
    # Catalog: categories are shared by every shop (by design); products are merchant A's.
    ("POST", V1 + "/products", "category_id"): BodyRule(
        lambda w: {"name": f"New {secrets.token_hex(3)}", "category_id": w.category_id},
        shared_staff(201),
    ),
    ("PATCH", V1 + "/products/{product_id}", "category_id"): BodyRule(
        lambda w: {"category_id": w.category_id},
        merchant_owned(200),
        fill=lambda w: {"product_id": w.product_id},
    ),
    # Carts and orders: variants are public; addresses, cart lines and cards are not.
    ("POST", V1 + "/cart/items", "variant_id"): BodyRule(
        lambda w: {"variant_id": w.b_variant_id, "quantity": 1}, per_actor(200)
    ),
    ("POST", ORDERS, "address_id"): BodyRule(
        lambda w: {"address_id": w.owner.address_id, "items": _items(w, "variant_id")},
        owned(201),
    ),
    ("POST", ORDERS, "items.variant_id"): BodyRule(
        lambda w: {"address_id": w.owner.address_id, "items": _items(w, "b_variant_id")},
        owned(201),
    ),
    # The owner's cart holds variant 2; anyone else's cart does not, whatever they name.
    ("POST", ORDERS, "cart_variant_ids"): BodyRule(
        lambda w: {"address_id": w.owner.address_id, "cart_variant_ids": [w.variant2_id]},
        {**owned(201), "other": 400, "merchant_b": 400},
    ),
    ("PATCH", ORDER, "address_id"): BodyRule(
        lambda w: {"address_id": w.owner.address_id},
        _own_order(200, 404),
        paths=PENDING_OF_EACH,
    ),
    ("PATCH", ORDER, "payment_method_id"): BodyRule(
        lambda w: {"payment_method_id": w.owner.card_id},
        _own_order(200, 404),
        paths=PENDING_OF_EACH,
    ),
    ("PATCH", ORDER, "items.variant_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id", "variant2_id")},
        _own_order(200, 200),
        paths=PENDING_OF_EACH,
    ),
    # Another shop's variant is not a variant of the order's product.
    ("PATCH", ORDER, "items.new_variant_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id", "b_variant_id")},
        _own_order(400, 400),
        paths=PENDING_OF_EACH,
    ),
    ("POST", ORDER + "/pay", "payment_method_id"): BodyRule(
        lambda w: {"payment_method_id": w.owner.card_id, "payment_token": w.payment_token},
        _own_order(200, 404),
        paths=PENDING_OF_EACH,
        idempotent=True,
    ),
    ("POST", ORDER + "/returns", "items.variant_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id")},
        _own_order(201, 201),
        paths=DELIVERED_OF_EACH,
    ),
    ("POST", ORDER + "/returns", "payment_method_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id"), "payment_method_id": w.owner.card_id},
        _own_order(201, 404),
        paths=DELIVERED_OF_EACH,
    ),
    ("POST", ORDER + "/exchanges", "items.variant_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id", "variant2_id")},
        _own_order(201, 201),
        paths=DELIVERED_OF_EACH,
    ),
    ("POST", ORDER + "/exchanges", "items.new_variant_id"): BodyRule(
        lambda w: {"items": _items(w, "variant_id", "b_variant_id")},
        _own_order(400, 400),
        paths=DELIVERED_OF_EACH,
    ),
    ("POST", ORDER + "/exchanges", "payment_method_id"): BodyRule(
        lambda w: {
            "items": _items(w, "variant_id", "variant2_id"),
            "payment_method_id": w.owner.card_id,
        },
        _own_order(201, 404),
        paths=DELIVERED_OF_EACH,
    ),
    # Coupons: a merchant discounts only their own products; shop-wide and category coupons
    # discount every shop's goods, so only admins create them.
    ("POST", V1 + "/coupons", "scope_id"): BodyRule(
        _coupon("product", lambda w: w.product_id), _staff_coupon(201, 201)
    ),
    ("POST", V1 + "/coupons", "scope_id (category)"): BodyRule(
        _coupon("category", lambda w: w.category_id), _staff_coupon(201, 403)
    ),
    ("POST", V1 + "/coupons", "scope (shop)"): BodyRule(
        _coupon("shop", lambda w: None), _staff_coupon(201, 403)
    ),
    # The assistant: a thread or a confirmation of the owner's is nobody else's.
    ("POST", V1 + "/chat", "thread_id"): BodyRule(
        lambda w: {"message": "approve it", "thread_id": w.thread_id},
        {"other": 404, "merchant_b": 404, "anonymous": 401, "banned": 403},
    ),
    ("POST", V1 + "/chat/stream", "thread_id"): BodyRule(
        lambda w: {"message": "approve it", "thread_id": w.thread_id},
        {"other": 404, "merchant_b": 404, "anonymous": 401, "banned": 403},
    ),
    ("POST", V1 + "/chat/{thread_id}/confirm", "confirmation_id"): BodyRule(
        lambda w: {"confirmation_id": w.confirmation_id, "approve": False},
        owned(200),
        fill=lambda w: {"thread_id": w.thread_id},
    ),
    ("POST", V1 + "/chat/{thread_id}/confirm/stream", "confirmation_id"): BodyRule(
        lambda w: {"confirmation_id": w.confirmation_id, "approve": False},
        owned(200),
        fill=lambda w: {"thread_id": w.thread_id},
    ),
}

# Body fields named like ids that name no resource of the shop.
NOT_REFERENCES = {("POST", V1 + "/admin/orders/{order_id}/ship", "tracking_id")}
# Body fields that name no id but decide what a request reaches.
REACH = {("POST", V1 + "/coupons", "scope")}
