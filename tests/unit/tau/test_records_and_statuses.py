"""Reading τ orders and mapping τ statuses onto our state machine."""

from __future__ import annotations

from typing import Any

import pytest

from services.orders.state_machine import OrderStatus
from services.tau.records import parse_database
from services.tau.statuses import our_status, tau_status

ADDRESS = {
    "address1": "1 A St",
    "address2": "",
    "city": "C",
    "country": "USA",
    "state": "",
    "zip": "1",
}


def _document(**order: Any) -> dict[str, Any]:
    base = {
        "order_id": "#W1",
        "user_id": "u_1",
        "address": ADDRESS,
        "items": [
            {"name": "Mug", "product_id": "p", "item_id": "i", "price": 9.99, "options": {}},
            {"name": "Mug", "product_id": "p", "item_id": "i", "price": 9.99, "options": {}},
        ],
        "status": "delivered",
        "fulfillments": [{"tracking_id": ["T1"], "item_ids": ["i", "i"]}],
        "payment_history": [
            {"transaction_type": "payment", "amount": 19.98, "payment_method_id": "paypal_1"}
        ],
    }
    return {"products": {}, "users": {}, "orders": {"#W1": {**base, **order}}}


def test_orders_keep_units_cents_tracking_and_history() -> None:
    order = parse_database(_document()).orders[0]
    assert [item.price_minor for item in order.items] == [999, 999]
    assert order.tracking_id == "T1"
    assert order.payments[0].amount_minor == 1998
    assert order.request is None


def test_a_pending_request_is_read_back() -> None:
    order = parse_database(
        _document(
            status="exchange requested",
            exchange_items=["i"],
            exchange_new_items=["j"],
            exchange_payment_method_id="paypal_1",
            exchange_price_difference=-1.5,
        )
    ).orders[0]
    assert order.request is not None
    assert (order.request.kind, order.request.price_difference_minor) == ("exchange", -150)


def test_more_than_one_tracking_id_is_refused() -> None:
    document = _document(fulfillments=[{"tracking_id": ["T1", "T2"], "item_ids": ["i"]}])
    with pytest.raises(ValueError, match="one tracking id"):
        parse_database(document)


def test_pending_is_paid_and_item_modified_is_paid_with_the_flag() -> None:
    assert our_status("pending") == (OrderStatus.PAID, False)
    assert our_status("pending (item modified)") == (OrderStatus.PAID, True)
    assert our_status("processed") == (OrderStatus.SHIPPED, False)
    assert tau_status(OrderStatus.PAID, True) == "pending (item modified)"
    assert tau_status(OrderStatus.DELIVERED, True) == "delivered"
    assert tau_status(OrderStatus.RETURNED, False) == "returned"
    with pytest.raises(ValueError, match="unknown"):
        our_status("lost")
