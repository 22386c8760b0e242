"""Each of τ's 16 tools refuses what τ's reference tools refuse (or what our shop refuses), and a
refused write changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tau.conftest import Desk, alternative, orders_where, paid_with
from tools.tau import TAU_TOOLS

Record = dict[str, Any]


def _pending(tau: Desk, source: str | None = None) -> Record:
    """A pending order with an item that has another available variant (paid by ``source``)."""
    for order in orders_where(tau.template, lambda o: o["status"] == "pending"):
        if source is not None and paid_with(tau.template, order)["source"] != source:
            continue
        if any(alternative(tau.template, item) for item in order["items"]):
            return order
    raise AssertionError("no such pending order")


def _with_status(tau: Desk, status: str) -> Record:
    return next(orders_where(tau.template, lambda o: o["status"] == status))


def _swap(tau: Desk, order: Record) -> tuple[Record, Record]:
    item = next(i for i in order["items"] if alternative(tau.template, i))
    new = alternative(tau.template, item)
    assert new is not None
    return item, new


def _original(order: Record) -> str:
    return str(order["payment_history"][0]["payment_method_id"])


def test_the_sixteen_tools_have_taus_names() -> None:
    assert sorted(tool.name for tool in TAU_TOOLS) == sorted(
        [
            "find_user_id_by_email", "find_user_id_by_name_zip", "get_user_details",
            "get_order_details", "get_product_details", "get_item_details",
            "list_all_product_types", "cancel_pending_order", "modify_pending_order_address",
            "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
            "return_delivered_order_items", "exchange_delivered_order_items", "calculate",
            "transfer_to_human_agents",
        ]
    )  # fmt: skip


# lookups


async def test_find_user_by_email_refuses_an_unknown_email(tau: Desk) -> None:
    assert await tau.refused("find_user_id_by_email", email="nobody@example.com") == (
        "user_not_found"
    )
    user = next(iter(tau.template.baseline["users"].values()))
    assert await tau.ok("find_user_id_by_email", email=user["email"].upper()) == user["user_id"]


async def test_find_user_by_name_zip_refuses_a_wrong_zip(tau: Desk) -> None:
    user = next(iter(tau.template.baseline["users"].values()))
    name = user["name"]
    assert (
        await tau.refused(
            "find_user_id_by_name_zip",
            first_name=name["first_name"],
            last_name=name["last_name"],
            zip="00000",
        )
        == "user_not_found"
    )
    found = await tau.ok(
        "find_user_id_by_name_zip",
        first_name=name["first_name"].lower(),
        last_name=name["last_name"],
        zip=user["address"]["zip"],
    )
    assert found == user["user_id"]


async def test_get_user_details_refuses_unknown_users(tau: Desk) -> None:
    assert await tau.refused("get_user_details", user_id="no_such_user_1") == "user_not_found"


async def test_get_order_details_refuses_unknown_orders(tau: Desk) -> None:
    assert await tau.refused("get_order_details", order_id="#W0000000") == "order_not_found"


async def test_get_product_details_refuses_an_item_id(tau: Desk) -> None:
    product = next(iter(tau.template.baseline["products"].values()))
    item_id = next(iter(product["variants"]))
    assert await tau.refused("get_product_details", product_id=item_id) == "product_not_found"
    found = await tau.ok("get_product_details", product_id=product["product_id"])
    assert found == product


async def test_get_item_details_refuses_unknown_items(tau: Desk) -> None:
    assert await tau.refused("get_item_details", item_id="0000000000") == "item_not_found"


async def test_list_all_product_types_needs_no_customer_and_lists_fifty(tau: Desk) -> None:
    tau.strict()
    types = await tau.ok("list_all_product_types")
    assert len(types) == 50
    assert list(types) == sorted(types)


async def test_calculate_refuses_anything_but_arithmetic(tau: Desk) -> None:
    assert await tau.refused("calculate", expression="__import__('os')") == "invalid_expression"
    assert await tau.refused("calculate", expression="1 / 0") == "invalid_expression"
    assert await tau.ok("calculate", expression="(261.11 - 235.44) * 2") == "51.34"


async def test_transfer_to_human_agents_needs_a_summary(tau: Desk) -> None:
    assert await tau.refused("transfer_to_human_agents", summary="") == "invalid_arguments"
    assert await tau.ok("transfer_to_human_agents", summary="wants a refund") == (
        "Transfer successful"
    )


# the strict session of the support agent


async def test_a_strict_desk_acts_only_after_authentication_and_only_for_that_customer(
    tau: Desk,
) -> None:
    tau.strict()
    mine, theirs = list(orders_where(tau.template, lambda o: True))[:2]
    assert mine["user_id"] != theirs["user_id"]
    owner = tau.template.baseline["users"][mine["user_id"]]
    code = await tau.refused("get_order_details", order_id=mine["order_id"])
    assert code == "customer_not_authenticated"
    await tau.ok("find_user_id_by_email", email=owner["email"])
    assert (await tau.ok("get_order_details", order_id=mine["order_id"]))["order_id"]
    assert await tau.refused("get_order_details", order_id=theirs["order_id"]) == (
        "order_not_found"
    )
    assert await tau.refused("get_user_details", user_id=theirs["user_id"]) == "user_not_found"
    other = tau.template.baseline["users"][theirs["user_id"]]
    assert await tau.refused("find_user_id_by_email", email=other["email"]) == (
        "one_customer_per_conversation"
    )
    code = await tau.refused(
        "cancel_pending_order", order_id=theirs["order_id"], reason="no longer needed"
    )
    assert code == "order_not_found"
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}


# cancel


async def test_cancel_refuses_orders_that_are_not_pending(tau: Desk) -> None:
    for status in ("processed", "delivered", "cancelled"):
        order = _with_status(tau, status)
        code = await tau.refused(
            "cancel_pending_order", order_id=order["order_id"], reason="no longer needed"
        )
        assert code == "invalid_transition", status
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}


async def test_cancel_refuses_reasons_other_than_taus_two(tau: Desk) -> None:
    order = _pending(tau)
    code = await tau.refused("cancel_pending_order", order_id=order["order_id"], reason="too slow")
    assert code == "invalid_arguments"
    with pytest.raises(Exception, match="reason must be one of"):
        await tau.desk.cancel_pending_order(order["order_id"], "too slow")


async def test_cancel_refunds_a_gift_card_at_once(tau: Desk) -> None:
    order = _pending(tau, "gift_card")
    card = paid_with(tau.template, order)
    cancelled = await tau.ok(
        "cancel_pending_order", order_id=order["order_id"], reason="ordered by mistake"
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "ordered by mistake"
    paid = order["payment_history"][0]
    assert cancelled["payment_history"][1] == {**paid, "transaction_type": "refund"}
    user = await tau.ok("get_user_details", user_id=order["user_id"])
    balance = user["payment_methods"][card["id"]]["balance"]
    assert round(balance * 100) == round(card["balance"] * 100) + round(paid["amount"] * 100)


async def test_cancel_refuses_an_order_whose_items_were_modified(tau: Desk) -> None:
    order = _pending(tau)
    item, new = _swap(tau, order)
    await tau.ok(
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new["item_id"]],
        payment_method_id=_original(order),
    )
    code = await tau.refused(
        "cancel_pending_order", order_id=order["order_id"], reason="no longer needed"
    )
    assert code == "items_already_modified"
