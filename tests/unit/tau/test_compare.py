"""Comparing τ records: money at the cent, absent optional fields as null, first difference."""

from __future__ import annotations

from services.tau.compare import (
    changed_records,
    compare_changes,
    first_difference,
    normalise,
    normalise_record,
)

ORDER = {
    "order_id": "#W1",
    "status": "pending",
    "items": [{"item_id": "1", "price": 10.5}],
    "payment_history": [{"transaction_type": "payment", "amount": 10.5}],
}


def test_money_is_compared_in_whole_cents_rounded_half_up() -> None:
    assert normalise({"amount": 0.04999999999999716}) == {"amount": 5}
    assert normalise({"amount": 71.96000000000001}) == {"amount": 7196}
    assert normalise({"price": 100}) == {"price": 10000}
    assert normalise({"balance": 0.005}) == {"balance": 1}
    assert normalise({"zip": "12345", "available": True}) == {"zip": "12345", "available": True}


def test_absent_optional_order_fields_equal_null_ones() -> None:
    with_nulls = {**ORDER, "cancel_reason": None, "return_items": None}
    assert normalise_record("orders", ORDER) == normalise_record("orders", with_nulls)
    assert normalise_record("users", {"a": 1}) == {"a": 1}


def test_first_difference_names_the_path() -> None:
    changed = {**ORDER, "items": [{"item_id": "1", "price": 11.0}]}
    found = first_difference(normalise(ORDER), normalise(changed), "orders.#W1")
    assert found == "orders.#W1.items[0].price: expected 1050, found 1100"
    assert first_difference([1], [1, 2]) == ": 1 entries expected, 2 found"
    assert first_difference({"a": 1}, {}) == ".a: missing"


def test_changed_records_ignore_float_noise() -> None:
    before = {"orders": {"#W1": ORDER}}
    noisy = {**ORDER, "items": [{"item_id": "1", "price": 10.500000000000002}]}
    assert changed_records(before, {"orders": {"#W1": noisy}}) == {
        "orders": {},
        "users": {},
        "products": {},
    }
    cancelled = {**ORDER, "status": "cancelled"}
    assert changed_records(before, {"orders": {"#W1": cancelled}})["orders"] == {"#W1": cancelled}


def test_a_change_only_one_side_made_is_a_mismatch_at_that_field() -> None:
    baseline = {"orders": {"#W1": ORDER}}
    cancelled = {**ORDER, "status": "cancelled"}
    verdict = compare_changes({"orders": {"#W1": cancelled}}, {"orders": {}}, baseline)
    assert not verdict.match
    assert verdict.difference == "orders.#W1.status: expected 'cancelled', found 'pending'"
    verdict = compare_changes({"orders": {}}, {"orders": {"#W1": cancelled}}, baseline)
    assert verdict.difference == "orders.#W1.status: expected 'pending', found 'cancelled'"
    assert compare_changes(
        {"orders": {"#W1": cancelled}}, {"orders": {"#W1": cancelled}}, baseline
    ).match
