"""The order state machine: every allowed step passes, every other step is refused with 409."""

from __future__ import annotations

import itertools

import pytest

from services.orders.errors import InvalidOrderTransition
from services.orders.state_machine import (
    FINISHED,
    MODIFIABLE,
    TRANSITIONS,
    OrderStatus,
    can_transition,
    ensure_finished,
    ensure_modifiable,
    ensure_transition,
)

S = OrderStatus
ALLOWED = {
    (S.PENDING_PAYMENT, S.PAID),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.PENDING_PAYMENT, S.EXPIRED),
    (S.PAID, S.SHIPPED),
    (S.PAID, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.RETURN_REQUESTED),
    (S.DELIVERED, S.EXCHANGE_REQUESTED),
    (S.RETURN_REQUESTED, S.RETURNED),
    (S.EXCHANGE_REQUESTED, S.EXCHANGED),
}
ILLEGAL = sorted(set(itertools.product(S, S)) - ALLOWED)


def test_the_table_is_exactly_the_documented_lifecycle() -> None:
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition_returns_the_target(current: S, target: S) -> None:
    assert ensure_transition(current, target) is target
    assert can_transition(current.value, target.value)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_other_transition_is_refused_with_409(current: S, target: S) -> None:
    with pytest.raises(InvalidOrderTransition) as caught:
        ensure_transition(current, target, order_id="ord_1")
    error = caught.value
    assert error.status_code == 409
    assert error.code == "invalid_transition"
    assert current.value in error.message
    assert target.value in error.message
    assert error.details["status"] == current.value
    assert error.details["target"] == target.value
    assert not can_transition(current, target)


@pytest.mark.parametrize("status", [S.CANCELLED, S.EXPIRED, S.RETURNED, S.EXCHANGED])
def test_terminal_statuses_have_no_way_out(status: S) -> None:
    assert TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize("status", list(S))
def test_only_unshipped_orders_are_modifiable(status: S) -> None:
    if status in (S.PENDING_PAYMENT, S.PAID):
        ensure_modifiable(status)
        assert status in MODIFIABLE
    else:
        with pytest.raises(InvalidOrderTransition, match="before shipping"):
            ensure_modifiable(status, what="the address")


@pytest.mark.parametrize("status", list(S))
def test_only_finished_orders_can_be_deleted(status: S) -> None:
    finished = {S.DELIVERED, S.CANCELLED, S.EXPIRED, S.RETURNED, S.EXCHANGED}
    assert (status in FINISHED) == (status in finished)
    if status in finished:
        ensure_finished(status)
    else:
        with pytest.raises(InvalidOrderTransition, match="only finished orders"):
            ensure_finished(status)


def test_the_refusal_lists_where_the_target_can_be_reached_from() -> None:
    with pytest.raises(InvalidOrderTransition) as caught:
        ensure_transition(S.SHIPPED, S.CANCELLED)
    assert caught.value.details["allowed_from"] == ["paid", "pending_payment"]
