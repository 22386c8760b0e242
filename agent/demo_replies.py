"""Replies of the demo script: tool results described in short English or Chinese text."""

from __future__ import annotations

from typing import Any

Results = list[tuple[str, Any, dict[str, Any] | None]]

_HELP = {
    False: (
        "I can search products, show a product, manage your cart, check out, pay, and show, "
        'cancel or return orders. Try: "search <product> under 100", '
        '"add <product> to my cart", "my cart", "checkout", "pay", "my orders".'
    ),
    True: (
        "我可以搜索商品、查看商品、管理购物车、下单、支付，以及查看、取消或退货订单。"
        "试试：“搜索 <商品>”、“购物车”、“下单”、“支付”、“我的订单”。"
    ),
}


def help_text(chinese: bool) -> str:
    """What the demo understands."""
    return _HELP[chinese]


def describe(results: Results, chinese: bool) -> str:
    """A reply about the last result (an error, a declined confirmation, or data)."""
    if not results:
        return help_text(chinese)
    name, result, error = results[-1]
    if error is not None:
        return _error_text(error, chinese)
    lines = _DESCRIBERS.get(name, _generic)(result)
    header = ("好的，结果如下：" if chinese else "Here you go:") if lines else ""
    return "\n".join([header, *lines]).strip() or ("完成。" if chinese else "Done.")


def _error_text(error: dict[str, Any], chinese: bool) -> str:
    code = error.get("code", "")
    if code in {"declined_by_shopper", "superseded"}:
        return "好的，我没有执行该操作。" if chinese else "OK, I did not do that; nothing changed."
    message = error.get("message", "")
    return f"没能完成：{message}" if chinese else f"That did not work: {message}"


def _money(value: Any) -> str:
    return str(value.get("formatted", "")) if isinstance(value, dict) else ""


def _options(options: Any) -> str:
    if not isinstance(options, dict) or not options:
        return ""
    return (
        " ("
        + ", ".join(
            f"{k}: {v if isinstance(v, str) else '/'.join(map(str, v))}" for k, v in options.items()
        )
        + ")"
    )


def _products(page: Any) -> list[str]:
    items = page.get("items", []) if isinstance(page, dict) else []
    lines = [f"{page.get('total', len(items))} product(s) found."]
    for item in items[:5]:
        low, high = _money(item.get("min_price")), _money(item.get("max_price"))
        price = low if low == high else f"{low}–{high}"
        lines.append(f"- {item.get('name')} — {price} [{item.get('id')}]")
    return lines


def _product(product: Any) -> list[str]:
    lines = [f"{product.get('name')} [{product.get('id')}]"]
    for variant in product.get("variants", [])[:8]:
        stock = (
            f"{variant.get('available', 0)} available" if variant.get("in_stock") else "sold out"
        )
        lines.append(
            f"- {variant.get('id')}{_options(variant.get('options'))} — "
            f"{_money(variant.get('price'))}, {stock}"
        )
    return lines


def _cart(cart: Any) -> list[str]:
    lines = [
        f"- {line.get('product_name')}{_options(line.get('options'))} × {line.get('quantity')} — "
        f"{_money(line.get('line_total'))}"
        for line in cart.get("lines", [])
    ]
    return [*(lines or ["Your cart is empty."]), f"Total: {_money(cart.get('total'))}"]


def _order(order: Any) -> list[str]:
    return [
        f"Order {order.get('id')}: {order.get('status')}, total {_money(order.get('total'))}, "
        f"{len(order.get('lines', []))} line(s)."
    ]


def _orders(page: Any) -> list[str]:
    items = page.get("items", []) if isinstance(page, dict) else []
    return [line for order in items[:10] for line in _order(order)] or ["No orders yet."]


def _generic(result: Any) -> list[str]:
    if isinstance(result, list):
        return [f"- {_label(item)}" for item in result[:10]] or ["Nothing found."]
    if isinstance(result, dict) and isinstance(result.get("items"), list):
        return [f"- {_label(item)}" for item in result["items"][:10]] or ["Nothing found."]
    return [_label(result)]


def _label(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    if isinstance(item.get("coupon"), dict):
        item = {**item["coupon"], "uses_left": item.get("uses_left")}
    keys = ("id", "code", "name", "label", "recipient", "line1", "city", "status", "token")
    parts = [str(item[key]) for key in keys if item.get(key) not in (None, "")]
    return ", ".join(parts) or "done"


_DESCRIBERS = {
    "search_products": _products,
    "get_product": _product,
    "view_cart": _cart,
    "add_to_cart": _cart,
    "set_cart_quantity": _cart,
    "remove_from_cart": _cart,
    "clear_cart": _cart,
    "get_order": _order,
    "place_order": _order,
    "cancel_order": _order,
    "pay_order": _order,
    "list_orders": _orders,
}
