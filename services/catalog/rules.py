"""Catalog rules that need no database: ownership, price versions, stock changes, options."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from services.catalog.errors import ProductNotFound, StockBelowReserved
from services.catalog.models import PriceChange, Product, Variant
from services.kernel.actor import Actor
from services.kernel.ids import new_id


def ensure_can_manage(actor: Actor, product: Product) -> None:
    """Staff only; a merchant sees another merchant's product as missing (404, not 403)."""
    actor.require_staff()
    if not actor.is_admin and product.merchant_id != actor.user_id:
        raise ProductNotFound("No such product.", details={"product_id": product.id})


def sees_stock(actor: Actor | None, merchant_id: str | None) -> bool:
    """Whether ``actor`` sees a product's stock figures, owner and source ids: only its
    merchant and admins do (they are the shop's business, not the shopper's)."""
    if actor is None:
        return False
    return actor.is_admin or (actor.is_staff and actor.user_id == merchant_id)


def initial_price(variant: Variant, actor_id: str | None, now: datetime) -> PriceChange:
    """The history row of a new variant's first price (version 1)."""
    variant.price_version = 1
    return PriceChange(
        id=new_id("prc"),
        variant_id=variant.id,
        version=1,
        price_minor=variant.price_minor,
        currency=variant.currency,
        changed_by=actor_id,
        changed_at=now,
    )


def change_price(
    variant: Variant, amount: int, currency: str, actor_id: str | None, now: datetime
) -> PriceChange | None:
    """Set a new price and return its history row, or None when the price is unchanged."""
    if variant.price_minor == amount and variant.currency == currency:
        return None
    variant.price_minor = amount
    variant.currency = currency
    variant.price_version += 1
    return PriceChange(
        id=new_id("prc"),
        variant_id=variant.id,
        version=variant.price_version,
        price_minor=amount,
        currency=currency,
        changed_by=actor_id,
        changed_at=now,
    )


def change_stock(variant: Variant, *, on_hand: int | None = None, delta: int | None = None) -> int:
    """Set or adjust units on hand; returns the change. Stock may not drop below reservations."""
    target = on_hand if on_hand is not None else variant.on_hand + (delta or 0)
    if target < variant.reserved:
        raise StockBelowReserved(
            f"Stock cannot go below the {variant.reserved} units reserved by orders.",
            details={"variant_id": variant.id, "reserved": variant.reserved, "requested": target},
        )
    change = target - variant.on_hand
    variant.on_hand = target
    return change


def is_offered(variant: Variant) -> bool:
    """A variant a shopper can choose: not deleted and marked available."""
    return variant.is_active and variant.is_available


def in_stock(variant: Variant) -> bool:
    """Offered and with at least one unit not reserved."""
    return is_offered(variant) and variant.on_hand - variant.reserved > 0


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders "9" before "10" and "size 2" before "size 10"."""
    parts = re.split(r"(\d+)", text.lower())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def option_values(variants: Iterable[Variant]) -> dict[str, list[str]]:
    """Each option's distinct values across ``variants``, in natural order."""
    values: dict[str, set[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            values.setdefault(name, set()).add(str(value))
    return {name: sorted(found, key=natural_key) for name, found in sorted(values.items())}


def same_options(left: dict[str, str], right: dict[str, str]) -> bool:
    """Two option sets name the same variant (attribute names ignore case)."""
    return {k.lower(): v for k, v in left.items()} == {k.lower(): v for k, v in right.items()}
