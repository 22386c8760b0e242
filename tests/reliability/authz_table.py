"""The authorization matrix: for every route that takes a resource id, who gets which status.

Actors: ``owner`` (the customer who owns the resource), ``other`` (another customer),
``anonymous`` (no token), ``banned`` (a valid token of a banned account), ``merchant_b`` (a
merchant of another shop), and for staff routes a positive control (``merchant_a``, who owns the
product, or ``admin``). Another user's resource is 404, never 403 (its existence is not
revealed); a role that may never do an action is 403; a missing token is 401; a banned account
is 403 on every authenticated route. Public reads (catalog, media, static files) answer everyone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.reliability.world import World

Fill = Callable[[World], dict[str, str]]
Body = Callable[[World], Any]


@dataclass(frozen=True)
class Rule:
    """Expected status per actor, the path's ids and the request body."""

    fill: Fill
    expect: dict[str, int]
    body: Body | None = None
    upload: bool = False
    idempotent: bool = False


def owned(success: int) -> dict[str, int]:
    """A customer's own resource (address, payment method, order, cart line, thread)."""
    return {"owner": success, "other": 404, "anonymous": 401, "banned": 403, "merchant_b": 404}


def merchant_owned(success: int) -> dict[str, int]:
    """Merchant A's: a product (its variants and images), or fulfilling an order holding only
    merchant A's products. Another shop's merchant finds neither (404)."""
    return {
        "merchant_a": success,
        "owner": 403,
        "other": 403,
        "anonymous": 401,
        "banned": 403,
        "merchant_b": 404,
    }


def admin_only(success: int) -> dict[str, int]:
    """Account administration (the owner acting on their own account included)."""
    return {
        "admin": success,
        "owner": 403,
        "other": 403,
        "anonymous": 401,
        "banned": 403,
        "merchant_b": 403,
    }


def public() -> dict[str, int]:
    """Reads anyone may make; a banned user's token does not matter where none is needed."""
    return dict.fromkeys(("owner", "other", "anonymous", "banned", "merchant_b"), 200)


def shared_staff(success: int) -> dict[str, int]:
    """The category taxonomy: shared by every shop, so any merchant may edit it (by design)."""
    return {
        "merchant_a": success,
        "merchant_b": success,
        "owner": 403,
        "other": 403,
        "anonymous": 401,
        "banned": 403,
    }


def per_actor(success: int) -> dict[str, int]:
    """An action every signed-in user takes for themselves (claiming a public coupon code)."""
    return {
        "owner": success,
        "other": success,
        "merchant_b": success,
        "anonymous": 401,
        "banned": 403,
    }


def _ids(**attrs: str) -> Fill:
    """Path parameters taken from world attributes (``order_id="pending_order_id"``)."""

    def fill(world: World) -> dict[str, str]:
        return {name: str(_attr(world, attr)) for name, attr in attrs.items()}

    return fill


def _attr(world: World, dotted: str) -> Any:
    value: Any = world
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _pay_body(world: World) -> dict[str, str]:
    return {"payment_method_id": world.owner.card_id, "payment_token": world.payment_token}


V1 = "/api/v1"
ORDER = V1 + "/orders/{order_id}"
PENDING = _ids(order_id="pending_order_id")
DELIVERED = _ids(order_id="delivered_order_id")
ADDRESS = _ids(address_id="owner.address_id")
PRODUCT = _ids(product_id="product_id")
VARIANT = _ids(variant_id="variant_id")
OWNER_ID = _ids(user_id="owner.user_id")
THREAD = _ids(thread_id="thread_id")
CART_LINE = _ids(variant_id="variant2_id")
APPROVAL = _ids(confirmation_id="approval_id")


def _confirm(world: World) -> dict[str, Any]:
    return {"confirmation_id": world.confirmation_id, "approve": False}


MATRIX: dict[tuple[str, str], Rule] = {
    # Account: addresses and payment methods.
    ("PATCH", V1 + "/users/me/addresses/{address_id}"): Rule(
        ADDRESS, owned(200), body=lambda w: {"city": "Shelbyville"}
    ),
    ("DELETE", V1 + "/users/me/addresses/{address_id}"): Rule(ADDRESS, owned(204)),
    ("POST", V1 + "/users/me/addresses/{address_id}/default"): Rule(ADDRESS, owned(200)),
    ("DELETE", V1 + "/users/me/payment-methods/{payment_method_id}"): Rule(
        _ids(payment_method_id="owner.card_id"), owned(204)
    ),
    # Administration of accounts.
    ("GET", V1 + "/admin/users/{user_id}"): Rule(OWNER_ID, admin_only(200)),
    ("PATCH", V1 + "/admin/users/{user_id}"): Rule(
        OWNER_ID, admin_only(200), body=lambda w: {"role": "merchant"}
    ),
    ("POST", V1 + "/admin/users/{user_id}/ban"): Rule(OWNER_ID, admin_only(200)),
    ("POST", V1 + "/admin/users/{user_id}/unban"): Rule(OWNER_ID, admin_only(200)),
    # Catalog.
    ("PATCH", V1 + "/categories/{category_id}"): Rule(
        _ids(category_id="category_id"),
        shared_staff(200),
        body=lambda w: {"description": "edited"},
    ),
    # The category is in use, so even staff get 409: what matters is that nobody else gets past
    # the role check.
    ("DELETE", V1 + "/categories/{category_id}"): Rule(
        _ids(category_id="category_id"), shared_staff(409)
    ),
    ("GET", V1 + "/products/{product_id}"): Rule(PRODUCT, public()),
    ("PATCH", V1 + "/products/{product_id}"): Rule(
        PRODUCT, merchant_owned(200), body=lambda w: {"name": "Renamed"}
    ),
    ("DELETE", V1 + "/products/{product_id}"): Rule(PRODUCT, merchant_owned(204)),
    ("POST", V1 + "/products/{product_id}/variants"): Rule(
        PRODUCT,
        merchant_owned(201),
        body=lambda w: {"options": {"size": "XL"}, "price": {"amount": 100}, "on_hand": 1},
    ),
    ("POST", V1 + "/products/{product_id}/images"): Rule(PRODUCT, merchant_owned(201), upload=True),
    ("DELETE", V1 + "/products/{product_id}/images/{image_id}"): Rule(
        _ids(product_id="product_id", image_id="image_id"), merchant_owned(204)
    ),
    ("GET", V1 + "/variants/{variant_id}"): Rule(VARIANT, public()),
    ("PATCH", V1 + "/variants/{variant_id}"): Rule(
        VARIANT, merchant_owned(200), body=lambda w: {"on_hand": 60}
    ),
    ("DELETE", V1 + "/variants/{variant_id}"): Rule(VARIANT, merchant_owned(204)),
    ("GET", V1 + "/variants/{variant_id}/price-history"): Rule(VARIANT, public()),
    ("GET", "/media/{key}"): Rule(
        lambda w: {"key": w.media_path.removeprefix("/media/")}, public()
    ),
    ("GET", "/static/{name}"): Rule(lambda w: {"name": "app.js"}, public()),
    ("GET", "/docs/assets/{name}"): Rule(lambda w: {"name": "swagger-ui.css"}, public()),
    # Cart lines (the path names a catalog variant; the cart is always the caller's).
    ("PATCH", V1 + "/cart/items/{variant_id}"): Rule(
        CART_LINE, owned(200), body=lambda w: {"quantity": 3}
    ),
    ("DELETE", V1 + "/cart/items/{variant_id}"): Rule(CART_LINE, owned(200)),
    # Orders and payments.
    ("GET", ORDER): Rule(PENDING, owned(200)),
    ("PATCH", ORDER): Rule(PENDING, owned(200), body=lambda w: {"address_id": w.owner.address_id}),
    ("DELETE", ORDER): Rule(DELIVERED, owned(204)),
    ("POST", ORDER + "/cancel"): Rule(PENDING, owned(200), body=lambda w: {"reason": "x"}),
    ("POST", ORDER + "/returns"): Rule(
        DELIVERED, owned(201), body=lambda w: {"items": [{"variant_id": w.variant_id}]}
    ),
    ("POST", ORDER + "/exchanges"): Rule(
        DELIVERED,
        owned(201),
        body=lambda w: {"items": [{"variant_id": w.variant_id, "new_variant_id": w.variant2_id}]},
    ),
    ("POST", ORDER + "/payment-token"): Rule(PENDING, owned(201)),
    ("POST", ORDER + "/pay"): Rule(PENDING, owned(200), body=_pay_body, idempotent=True),
    # Fulfilment.
    ("POST", V1 + "/admin/orders/{order_id}/ship"): Rule(
        _ids(order_id="paid_order_id"), merchant_owned(200), body=lambda w: {"tracking_id": "T-9"}
    ),
    ("POST", V1 + "/admin/orders/{order_id}/deliver"): Rule(
        _ids(order_id="shipped_order_id"), merchant_owned(200)
    ),
    ("POST", V1 + "/admin/returns/{return_id}/complete"): Rule(
        _ids(return_id="return_id"), merchant_owned(200)
    ),
    # Coupons: the code is public; each user claims for themselves.
    ("POST", V1 + "/coupons/{code}/claim"): Rule(_ids(code="coupon_code"), per_actor(201)),
    # The assistant's threads.
    ("POST", V1 + "/chat/{thread_id}/confirm"): Rule(THREAD, owned(200), body=_confirm),
    ("POST", V1 + "/chat/{thread_id}/confirm/stream"): Rule(THREAD, owned(200), body=_confirm),
    ("GET", V1 + "/chat/threads/{thread_id}"): Rule(THREAD, owned(200)),
    # Confirmations an MCP client asked for: only their shopper sees and answers them.
    ("GET", V1 + "/confirmations/{confirmation_id}"): Rule(APPROVAL, owned(200)),
    ("POST", V1 + "/confirmations/{confirmation_id}/approve"): Rule(APPROVAL, owned(200)),
    ("POST", V1 + "/confirmations/{confirmation_id}/reject"): Rule(APPROVAL, owned(200)),
}


def idempotency_key() -> str:
    """A fresh key per request, so no attempt replays another's response."""
    return f"authz-{secrets.token_hex(8)}"
