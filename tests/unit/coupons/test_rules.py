"""Coupon arithmetic and eligibility without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.coupons.models import Coupon, CouponKind, CouponScope
from services.coupons.rules import CouponLine, best_of, discount, eligible_amount, refusal

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SHOES = CouponLine(product_id="p-shoe", category_id="c-shoes", total_minor=6000)
HAT = CouponLine(product_id="p-hat", category_id="c-hats", total_minor=2000)


def coupon(**values: Any) -> Coupon:
    base: dict[str, Any] = {
        "code": "SAVE",
        "kind": CouponKind.AMOUNT_OFF,
        "amount_off_minor": 1000,
        "percent_off": None,
        "max_discount_minor": None,
        "min_spend_minor": 0,
        "currency": "USD",
        "scope": CouponScope.SHOP,
        "scope_id": None,
        "expires_at": NOW + timedelta(days=1),
        "is_active": True,
    }
    base.update(values)
    return Coupon(**base)


def test_amount_off_applies_once_the_minimum_spend_is_reached() -> None:
    rule = coupon(amount_off_minor=1000, min_spend_minor=8000)
    assert discount(rule, [SHOES, HAT]) == 1000
    assert discount(rule, [SHOES]) == 0


def test_amount_off_never_exceeds_the_eligible_amount() -> None:
    assert discount(coupon(amount_off_minor=9000), [HAT]) == 2000


def test_percent_off_rounds_half_up_and_respects_its_cap() -> None:
    rule = coupon(kind=CouponKind.PERCENT_OFF, amount_off_minor=None, percent_off=15)
    assert discount(rule, [CouponLine("p", "c", 3333)]) == 500  # 499.95 -> 500
    capped = coupon(
        kind=CouponKind.PERCENT_OFF, amount_off_minor=None, percent_off=50, max_discount_minor=700
    )
    assert discount(capped, [SHOES]) == 700


def test_category_scope_discounts_only_that_category() -> None:
    rule = coupon(
        kind=CouponKind.PERCENT_OFF,
        amount_off_minor=None,
        percent_off=10,
        scope=CouponScope.CATEGORY,
        scope_id="c-hats",
    )
    assert eligible_amount(rule, [SHOES, HAT]) == 2000
    assert discount(rule, [SHOES, HAT]) == 200


def test_product_scope_minimum_spend_counts_only_that_product() -> None:
    rule = coupon(scope=CouponScope.PRODUCT, scope_id="p-hat", min_spend_minor=5000)
    assert discount(rule, [SHOES, HAT]) == 0
    assert "at least $50.00" in (refusal(rule, [SHOES, HAT], "USD", NOW) or "")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"is_active": False}, "no longer active"),
        ({"expires_at": NOW}, "expired"),
        ({"currency": "EUR"}, "in EUR"),
        ({"scope": CouponScope.PRODUCT, "scope_id": "p-other"}, "scope"),
    ],
)
def test_refusal_says_why_a_coupon_cannot_be_used(changes: dict[str, Any], reason: str) -> None:
    assert reason in (refusal(coupon(**changes), [SHOES], "USD", NOW) or "")


def test_a_usable_coupon_has_no_refusal() -> None:
    assert refusal(coupon(), [SHOES], "USD", NOW) is None


def test_best_of_picks_the_largest_discount() -> None:
    small = coupon(code="SMALL", amount_off_minor=500)
    big = coupon(code="BIG", kind=CouponKind.PERCENT_OFF, amount_off_minor=None, percent_off=20)
    expired = coupon(code="OLD", amount_off_minor=5000, expires_at=NOW - timedelta(days=1))
    chosen = best_of([small, big, expired], [SHOES, HAT], "USD", NOW)
    assert chosen is not None
    assert (chosen[0].code, chosen[1]) == ("BIG", 1600)


def test_best_of_breaks_ties_with_the_coupon_expiring_first() -> None:
    later = coupon(code="LATER", expires_at=NOW + timedelta(days=9))
    sooner = coupon(code="SOONER", expires_at=NOW + timedelta(days=2))
    chosen = best_of([later, sooner], [SHOES], "USD", NOW)
    assert chosen is not None
    assert chosen[0].code == "SOONER"


def test_best_of_is_none_when_nothing_applies() -> None:
    assert best_of([coupon(min_spend_minor=99_999)], [SHOES], "USD", NOW) is None
    assert best_of([], [SHOES], "USD", NOW) is None
