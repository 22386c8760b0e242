"""Plain insert rows for τ records (no database access here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.kernel.ids import new_id
from services.payments.gateway import imported_card_token
from services.seed.search_terms import search_terms_for
from services.seed.tau2 import TauPayment, TauProduct, TauUser, TauVariant
from services.users.models import PaymentKind, Role
from services.users.payment_methods import new_gift_card_code

STOCK_WHEN_AVAILABLE = 20
Row = dict[str, Any]


def stock_for(variant: TauVariant) -> int:
    """Units on hand a seeded variant starts with: 20 when τ says available, else none."""
    return STOCK_WHEN_AVAILABLE if variant.available else 0


def product_description(product: TauProduct) -> str:
    """A searchable description listing the option values on offer."""
    values: dict[str, list[str]] = {}
    for variant in product.variants:
        for name, value in variant.options.items():
            if value not in values.setdefault(name, []):
                values[name].append(value)
    choices = "; ".join(f"{name}: {', '.join(found)}" for name, found in values.items())
    return f"{product.name} in {len(product.variants)} variants. Options: {choices}."


def product_row(
    product: TauProduct, category_id: str, merchant_id: str | None, now: datetime
) -> Row:
    """A products row for a τ product."""
    return {
        "id": new_id("prd"),
        "name": product.name,
        "description": product_description(product),
        "search_terms": search_terms_for(product.name),
        "category_id": category_id,
        "merchant_id": merchant_id,
        "is_active": True,
        "external_id": product.product_id,
        "created_at": now,
        "updated_at": now,
    }


def variant_rows(
    variant: TauVariant, product_id: str, currency: str, now: datetime
) -> tuple[Row, Row]:
    """A variants row and its first price_history row."""
    variant_id = new_id("var")
    variant_row = {
        "id": variant_id,
        "product_id": product_id,
        "options": dict(variant.options),
        "price_minor": variant.price_minor,
        "currency": currency,
        "price_version": 1,
        "on_hand": stock_for(variant),
        "reserved": 0,
        "is_available": variant.available,
        "is_active": True,
        "external_id": variant.item_id,
        "created_at": now,
        "updated_at": now,
    }
    price_row = {
        "id": new_id("prc"),
        "variant_id": variant_id,
        "version": 1,
        "price_minor": variant.price_minor,
        "currency": currency,
        "changed_by": None,
        "changed_at": now,
    }
    return variant_row, price_row


def user_row(user: TauUser, password_hash: str, now: datetime) -> Row:
    """A customer row for a τ shopper."""
    return {
        "id": new_id("usr"),
        "email": user.email,
        "name": user.full_name,
        "password_hash": password_hash,
        "role": Role.CUSTOMER,
        "external_id": user.user_id,
        "created_at": now,
        "updated_at": now,
    }


def address_row(user: TauUser, user_id: str, recipient: str, now: datetime) -> Row:
    """The τ shopper's address as their default address."""
    address = user.address
    return {
        "id": new_id("adr"),
        "user_id": user_id,
        "recipient": recipient,
        "line1": address.address1,
        "line2": address.address2,
        "city": address.city,
        "state": address.state,
        "zip": address.zip,
        "country": address.country,
        "is_default": True,
        "created_at": now,
        "updated_at": now,
    }


def payment_rows(
    payment: TauPayment,
    user_id: str,
    email: str,
    currency: str,
    now: datetime,
    *,
    keep_external_id: bool = True,
) -> tuple[Row, Row | None]:
    """A payment_methods row, and for a gift card the gift_cards row it draws on."""
    method: Row = {
        "id": new_id("pm"),
        "user_id": user_id,
        "is_active": True,
        "external_id": payment.id if keep_external_id else None,
        "created_at": now,
        "updated_at": now,
    }
    if payment.source == "credit_card":
        brand = payment.brand or "card"
        method |= {
            "kind": PaymentKind.CARD,
            "label": f"{brand.title()} ending {payment.last_four}",
            "brand": brand,
            "last4": payment.last_four,
            "provider_token": imported_card_token(),
        }
        return method, None
    if payment.source == "paypal":
        method |= {"kind": PaymentKind.PAYPAL, "label": f"PayPal {email}", "paypal_email": email}
        return method, None
    card = {
        "id": new_id("gft"),
        "code": gift_card_code(),
        "balance_minor": payment.balance_minor or 0,
        "currency": currency,
        "issued_by": None,
        "redeemed_by": user_id,
        "redeemed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    method |= {"kind": PaymentKind.GIFT_CARD, "label": "Gift card", "gift_card_id": card["id"]}
    return method, card


def gift_card_code() -> str:
    """A fresh random code (the card is already redeemed by its owner)."""
    return new_gift_card_code()


def spread(now: datetime, index: int) -> datetime:
    """Distinct, ordered timestamps for rows written in one go (newest-first sorts stay stable)."""
    return now + timedelta(microseconds=index)
