"""Order arithmetic without a database: snapshots, totals, and shares of a discount."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from services.coupons.rules import CouponLine
from services.orders.models import OrderLine


@dataclass(frozen=True, slots=True)
class Totals:
    """An order's money in minor units."""

    subtotal: int
    discount: int
    shipping: int

    @property
    def total(self) -> int:
        """Subtotal less discount, plus shipping."""
        return self.subtotal - self.discount + self.shipping


def compute_totals(line_totals: Iterable[int], discount: int, shipping: int) -> Totals:
    """Totals of lines; the discount never exceeds the subtotal."""
    subtotal = sum(line_totals)
    return Totals(subtotal, min(max(discount, 0), subtotal), shipping)


def coupon_lines(lines: Sequence[OrderLine]) -> list[CouponLine]:
    """What the coupon rules need of the order's lines."""
    return [CouponLine(line.product_id, line.category_id, line.total_minor) for line in lines]


def discount_share(discount: int, subtotal: int, part: int) -> int:
    """The part of an order discount that belongs to ``part`` of its subtotal (rounded down)."""
    if subtotal <= 0 or discount <= 0:
        return 0
    return discount * part // subtotal


def refund_for(discount: int, subtotal: int, returned: int, refundable: int) -> int:
    """What a return of items worth ``returned`` gives back: their price less their share of the
    discount, never more than what is left of the payments."""
    return max(min(returned - discount_share(discount, subtotal, returned), refundable), 0)


def address_snapshot(address: Any) -> dict[str, str]:
    """The address as it was when used, kept on the order even if the user edits it later."""
    fields = ("recipient", "line1", "line2", "city", "state", "zip", "country")
    return {name: str(getattr(address, name) or "") for name in fields}


def merge_items(items: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Quantities summed per variant, keeping the order variants first appear in."""
    merged: dict[str, int] = {}
    for variant_id, quantity in items:
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged
