"""What each τ write will do, for the customer to confirm: read through the desk (so a call on
someone else's order fails before anything is asked) and shown with τ's ids."""

from __future__ import annotations

from typing import Any

from services.kernel.money import format_money, to_minor
from services.tau.views import Record
from tools.base import ShopContext
from tools.tau_context import desk_in

Summary = dict[str, Any]


def _money(amount: float) -> str:
    return format_money(to_minor(amount))


def _item_text(item: Record) -> str:
    options = ", ".join(f"{key}: {value}" for key, value in item["options"].items())
    return f"{options} ({_money(item['price'])})"


def _address_text(address: Record) -> str:
    keys = ("address1", "address2", "city", "state", "zip", "country")
    return ", ".join(str(address[key]) for key in keys if address.get(key))


def _brief(order: Record) -> Summary:
    return {
        "order_id": order["order_id"],
        "status": order["status"],
        "items": [f"{item['name']} — {_item_text(item)}" for item in order["items"]],
    }


async def cancel(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Cancelling: the order, the reason and the refunds."""
    order = await desk_in(context).get_order_details(str(args["order_id"]))
    paid = [p for p in order["payment_history"] if p["transaction_type"] == "payment"]
    return {
        "action": "Cancel the order",
        **_brief(order),
        "reason": args["reason"],
        "refunds": [f"{_money(p['amount'])} to {p['payment_method_id']}" for p in paid],
    }


async def order_address(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Moving an order to another address."""
    order = await desk_in(context).get_order_details(str(args["order_id"]))
    return {
        "action": "Change the order's shipping address",
        "order_id": order["order_id"],
        "from": _address_text(order["address"]),
        "to": _address_text(args),
    }


async def _changes(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Old and new items side by side, and the price difference."""
    desk = desk_in(context)
    order = await desk.get_order_details(str(args["order_id"]))
    by_id = {item["item_id"]: item for item in order["items"]}
    changes = []
    difference = 0
    for old_id, new_id in zip(args["item_ids"], args["new_item_ids"], strict=False):
        old = by_id.get(old_id)
        new = await desk.get_item_details(str(new_id))
        if old is not None:
            difference += to_minor(new["price"]) - to_minor(old["price"])
        changes.append(
            {
                "item": old["name"] if old else old_id,
                "from": _item_text(old) if old else old_id,
                "to": _item_text({**new, "name": ""}),
            }
        )
    return {
        "order_id": order["order_id"],
        "changes": changes,
        "price_difference": format_money(difference),
        "payment_method": args["payment_method_id"],
    }


async def order_items(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Swapping items of a pending order (possible once per order)."""
    return {
        "action": "Modify items of the pending order (only once per order)",
        **await _changes(context, args),
    }


async def order_exchange(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Exchanging items of a delivered order."""
    return {"action": "Exchange items of the delivered order", **await _changes(context, args)}


async def order_payment(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Paying an order with another method."""
    order = await desk_in(context).get_order_details(str(args["order_id"]))
    history = order["payment_history"]
    return {
        "action": "Pay the order with another payment method (the first one is refunded)",
        "order_id": order["order_id"],
        "from": history[0]["payment_method_id"] if history else None,
        "to": args["payment_method_id"],
    }


async def user_address(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Replacing the default address."""
    user = await desk_in(context).get_user_details(str(args["user_id"]))
    return {
        "action": "Change the customer's default address",
        "user_id": user["user_id"],
        "from": _address_text(user["address"]),
        "to": _address_text(args),
    }


async def order_return(context: ShopContext, args: dict[str, Any]) -> Summary:
    """Returning items of a delivered order."""
    order = await desk_in(context).get_order_details(str(args["order_id"]))
    remaining = list(order["items"])
    returning = []
    for item_id in args["item_ids"]:
        item = next((i for i in remaining if i["item_id"] == item_id), None)
        if item is not None:
            remaining.remove(item)
            returning.append(item)
    return {
        "action": "Return items of the delivered order",
        "order_id": order["order_id"],
        "items": [f"{item['name']} — {_item_text(item)}" for item in returning],
        "refund": format_money(sum(to_minor(item["price"]) for item in returning)),
        "refund_to": args["payment_method_id"],
    }
