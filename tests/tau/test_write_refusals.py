"""τ's modify, return and exchange tools: what they refuse (a refusal changes nothing) and what
they record when they succeed."""

from __future__ import annotations

from typing import Any

from tests.tau.conftest import (
    Desk,
    alternative,
    item_not_in,
    orders_where,
    other_product_item,
    paid_with,
)

Record = dict[str, Any]
NOTHING: dict[str, dict[str, Any]] = {"orders": {}, "users": {}, "products": {}}
ADDRESS = {
    "address1": "1 Main Street",
    "address2": "",
    "city": "Springfield",
    "state": "IL",
    "country": "USA",
    "zip": "62701",
}


def _order(tau: Desk, status: str, source: str | None = None) -> Record:
    """An order in ``status`` (paid by ``source``) with an item that has another available
    variant."""
    for order in orders_where(tau.template, lambda o: o["status"] == status):
        if source is not None and paid_with(tau.template, order)["source"] != source:
            continue
        if any(alternative(tau.template, item) for item in order["items"]):
            return order
    raise AssertionError(f"no {status} order paid by {source}")


def _pair(tau: Desk, order: Record, *, dearer: bool | None = None) -> tuple[Record, Record]:
    """An item of the order and another available variant of it (dearer when asked)."""
    for item in order["items"]:
        product = tau.template.baseline["products"][item["product_id"]]
        for variant in product["variants"].values():
            if variant["item_id"] == item["item_id"] or not variant["available"]:
                continue
            if dearer is None or (variant["price"] > item["price"]) == dearer:
                return item, variant
    raise AssertionError("no such pair")


def _original(order: Record) -> str:
    return str(order["payment_history"][0]["payment_method_id"])


def _method(tau: Desk, order: Record, source: str, *, not_id: str = "") -> Record | None:
    methods = tau.template.baseline["users"][order["user_id"]]["payment_methods"].values()
    return next((m for m in methods if m["source"] == source and m["id"] != not_id), None)


async def _swap(tau: Desk, order: Record, item: Record, new: Record, method: str) -> str:
    return await tau.refused(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=method,
    )


# modify the address


async def test_modify_order_address_refuses_a_shipped_order_and_keeps_the_address_book(
    tau: Desk,
) -> None:
    order = next(orders_where(tau.template, lambda o: o["status"] == "processed"))
    code = await tau.refused("modify_pending_order_address", order_id=order["order_id"], **ADDRESS)
    assert code == "invalid_transition"
    assert await tau.changes() == NOTHING


async def test_modify_order_address_works_on_an_order_whose_items_changed(tau: Desk) -> None:
    order = _order(tau, "pending")
    item, new = _pair(tau, order)
    await tau.ok(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=_original(order),
    )
    moved = await tau.ok("modify_pending_order_address", order_id=order["order_id"], **ADDRESS)
    assert moved["status"] == "pending (item modified)"
    assert moved["address"] == ADDRESS


# modify items


async def test_modify_items_refuses_another_product(tau: Desk) -> None:
    order = _order(tau, "pending")
    item = order["items"][0]
    other = other_product_item(tau.template, item)
    assert await _swap(tau, order, item, other, _original(order)) == "invalid_exchange"
    assert await tau.changes() == NOTHING


async def test_modify_items_refuses_an_unavailable_item(tau: Desk) -> None:
    for order in orders_where(tau.template, lambda o: o["status"] == "pending"):
        for item in order["items"]:
            gone = alternative(tau.template, item, available=False)
            if gone is not None:
                assert await _swap(tau, order, item, gone, _original(order)) == "out_of_stock"
                assert await tau.changes() == NOTHING
                return
    raise AssertionError("no unavailable alternative")


async def test_modify_items_refuses_items_not_in_the_order_and_mismatched_lists(
    tau: Desk,
) -> None:
    order = _order(tau, "pending")
    item, new = _pair(tau, order)
    stranger = {**item, "item_id": item_not_in(tau.template, order)}
    assert await _swap(tau, order, stranger, new, _original(order)) == "item_not_in_order"
    code = await tau.refused(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"], new["item_id"]],
        payment_method_id=_original(order),
    )
    assert code == "item_count_mismatch"
    assert await _swap(tau, order, item, new, "credit_card_0000000") == "payment_method_not_found"
    assert await tau.changes() == NOTHING


async def test_modify_items_refuses_a_gift_card_that_cannot_pay_the_difference(
    tau: Desk,
) -> None:
    for order in orders_where(tau.template, lambda o: o["status"] == "pending"):
        card = _method(tau, order, "gift_card")
        try:
            item, new = _pair(tau, order, dearer=True)
        except AssertionError:
            continue
        if card is not None and card["balance"] < new["price"] - item["price"]:
            assert await _swap(tau, order, item, new, card["id"]) == "insufficient_funds"
            assert await tau.changes() == NOTHING
            return
    raise AssertionError("no gift card short of a price difference")


async def test_modify_items_charges_the_exact_difference_and_only_once(tau: Desk) -> None:
    order = _order(tau, "pending", "credit_card")
    item, new = _pair(tau, order)
    changed = await tau.ok(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=_original(order),
    )
    assert changed["status"] == "pending (item modified)"
    difference = round(new["price"] * 100) - round(item["price"] * 100)
    entry = changed["payment_history"][-1]
    assert entry["transaction_type"] == ("payment" if difference > 0 else "refund")
    assert round(entry["amount"] * 100) == abs(difference)
    assert await _swap(tau, order, new, item, _original(order)) == "items_already_modified"


# modify the payment method


async def test_modify_payment_refuses_the_same_method_and_a_short_gift_card(tau: Desk) -> None:
    order = _order(tau, "pending", "credit_card")
    code = await tau.refused(
        "modify_pending_order_payment",
        order_id=order["order_id"],
        payment_method_id=_original(order),
    )
    assert code == "nothing_to_change"
    for candidate in orders_where(tau.template, lambda o: o["status"] == "pending"):
        card = _method(tau, candidate, "gift_card", not_id=_original(candidate))
        if card is not None and card["balance"] < candidate["payment_history"][0]["amount"]:
            code = await tau.refused(
                "modify_pending_order_payment",
                order_id=candidate["order_id"],
                payment_method_id=card["id"],
            )
            assert code == "insufficient_funds"
            assert await tau.changes() == NOTHING
            return
    raise AssertionError("no gift card short of an order total")


async def test_modify_payment_refuses_a_delivered_order(tau: Desk) -> None:
    for order in orders_where(tau.template, lambda o: o["status"] == "delivered"):
        other = _method(tau, order, "paypal", not_id=_original(order)) or _method(
            tau, order, "credit_card", not_id=_original(order)
        )
        if other is not None:
            code = await tau.refused(
                "modify_pending_order_payment",
                order_id=order["order_id"],
                payment_method_id=other["id"],
            )
            assert code == "invalid_transition"
            assert await tau.changes() == NOTHING
            return
    raise AssertionError("no delivered order of a customer with a second method")


# the default address


async def test_modify_user_address_refuses_another_customer_and_bad_fields(tau: Desk) -> None:
    users = list(tau.template.baseline["users"].values())
    tau.strict()
    await tau.ok("find_user_id_by_email", email=users[0]["email"])
    code = await tau.refused("modify_user_address", user_id=users[1]["user_id"], **ADDRESS)
    assert code == "user_not_found"
    code = await tau.refused(
        "modify_user_address", user_id=users[0]["user_id"], **{**ADDRESS, "city": ""}
    )
    assert code == "invalid_arguments"
    assert await tau.changes() == NOTHING
    changed = await tau.ok("modify_user_address", user_id=users[0]["user_id"], **ADDRESS)
    assert changed["address"] == ADDRESS


# returns and exchanges


async def test_return_refuses_undelivered_orders_and_foreign_refund_methods(tau: Desk) -> None:
    pending = _order(tau, "pending")
    code = await tau.refused(
        "return_delivered_order_items",
        order_id=pending["order_id"],
        item_ids=[pending["items"][0]["item_id"]],
        payment_method_id=_original(pending),
    )
    assert code == "invalid_transition"
    for order in orders_where(tau.template, lambda o: o["status"] == "delivered"):
        other = _method(tau, order, "credit_card", not_id=_original(order)) or _method(
            tau, order, "paypal", not_id=_original(order)
        )
        if other is not None:
            code = await tau.refused(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[order["items"][0]["item_id"]],
                payment_method_id=other["id"],
            )
            assert code == "refund_method_not_allowed"
            code = await tau.refused(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=["0000000000"],
                payment_method_id=_original(order),
            )
            assert code == "item_not_found"
            stranger = item_not_in(tau.template, order)
            code = await tau.refused(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[stranger],
                payment_method_id=_original(order),
            )
            assert code == "item_not_in_order"
            assert await tau.changes() == NOTHING
            return
    raise AssertionError("no delivered order of a customer with two non-gift methods")


async def test_exchange_refuses_other_products_short_gift_cards_and_pending_orders(
    tau: Desk,
) -> None:
    order = _order(tau, "delivered")
    item = order["items"][0]
    code = await tau.refused(
        "exchange_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[other_product_item(tau.template, item)["item_id"]],
        payment_method_id=_original(order),
    )
    assert code == "invalid_exchange"
    pending = _order(tau, "pending")
    old, new = _pair(tau, pending)
    code = await tau.refused(
        "exchange_delivered_order_items",
        order_id=pending["order_id"],
        item_ids=[old["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=_original(pending),
    )
    assert code == "invalid_transition"
    for candidate in orders_where(tau.template, lambda o: o["status"] == "delivered"):
        card = _method(tau, candidate, "gift_card")
        try:
            old, new = _pair(tau, candidate, dearer=True)
        except AssertionError:
            continue
        if card is not None and card["balance"] < new["price"] - old["price"]:
            code = await tau.refused(
                "exchange_delivered_order_items",
                order_id=candidate["order_id"],
                item_ids=[old["item_id"]],
                new_item_ids=[new["item_id"]],
                payment_method_id=card["id"],
            )
            assert code == "insufficient_funds"
            assert await tau.changes() == NOTHING
            return
    raise AssertionError("no gift card short of an exchange difference")


async def test_exchange_records_sorted_ids_and_the_rounded_difference(tau: Desk) -> None:
    order = _order(tau, "delivered")
    item, new = _pair(tau, order)
    changed = await tau.ok(
        "exchange_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=_original(order),
    )
    assert changed["status"] == "exchange requested"
    assert changed["exchange_items"] == [item["item_id"]]
    assert changed["exchange_new_items"] == [new["item_id"]]
    assert changed["exchange_price_difference"] == round(new["price"] - item["price"], 2)
    assert changed["payment_history"] == order["payment_history"]


# an item bought twice: our lines change every unit of an item the same way


def _repeated(tau: Desk, status: str) -> tuple[Record, Record, list[Record]]:
    """An order in ``status`` holding some item twice, and available alternatives of it."""
    for order in orders_where(tau.template, lambda o: o["status"] == status):
        ids = [item["item_id"] for item in order["items"]]
        for item in order["items"]:
            product = tau.template.baseline["products"][item["product_id"]]
            others = [
                v
                for v in product["variants"].values()
                if v["available"] and v["item_id"] != item["item_id"]
            ]
            if ids.count(item["item_id"]) > 1 and len(others) >= 2:
                return order, item, others
    raise AssertionError(f"no {status} order with a repeated item")


async def test_swapping_one_unit_of_a_repeated_item_is_refused(tau: Desk) -> None:
    order, item, others = _repeated(tau, "pending")
    code = await _swap(tau, order, item, others[0], _original(order))
    assert code == "unsupported_item_split"
    both = await tau.ok(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"], item["item_id"]],
        new_item_ids=[others[0]["item_id"], others[0]["item_id"]],
        payment_method_id=_original(order),
    )
    assert [i["item_id"] for i in both["items"]].count(others[0]["item_id"]) == 2


async def test_exchanging_units_of_one_item_for_different_items_is_refused(tau: Desk) -> None:
    order, item, others = _repeated(tau, "delivered")
    code = await tau.refused(
        "exchange_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"], item["item_id"]],
        new_item_ids=[others[0]["item_id"], others[1]["item_id"]],
        payment_method_id=_original(order),
    )
    assert code == "unsupported_item_split"
    assert await tau.changes() == NOTHING


async def test_modify_payment_charges_the_new_method_then_refunds_the_first(tau: Desk) -> None:
    for order in orders_where(tau.template, lambda o: o["status"] == "pending"):
        card = _method(tau, order, "gift_card", not_id=_original(order))
        total = order["payment_history"][0]["amount"]
        if card is None or card["balance"] < total:
            continue
        changed = await tau.ok(
            "modify_pending_order_payment",
            order_id=order["order_id"],
            payment_method_id=card["id"],
        )
        assert changed["payment_history"] == [
            order["payment_history"][0],
            {"transaction_type": "payment", "amount": total, "payment_method_id": card["id"]},
            {"transaction_type": "refund", "amount": total, "payment_method_id": _original(order)},
        ]
        user = await tau.ok("get_user_details", user_id=order["user_id"])
        left = user["payment_methods"][card["id"]]["balance"]
        assert round(left * 100) == round(card["balance"] * 100) - round(total * 100)
        return
    raise AssertionError("no pending order a second gift card could pay")
