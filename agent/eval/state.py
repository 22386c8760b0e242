"""End-state checks of multi-step cases, read through the services as the shopper."""

from __future__ import annotations

from agent.eval.cases import StateCheck
from agent.eval.shop import CaseShop
from services.kernel.pagination import PageRequest
from services.orders.schemas import OrderOut


async def check_state(shop: CaseShop, checks: list[StateCheck]) -> list[str]:
    """Problems with the shop's state after a case (empty when every check holds)."""
    problems: list[str] = []
    for check in checks:
        problem = await _check(shop, check)
        if problem:
            problems.append(problem)
    return problems


async def _check(shop: CaseShop, check: StateCheck) -> str | None:
    services, shopper = shop.container, shop.shopper
    if check.kind in ("cart_has", "cart_lines"):
        cart = await services.carts.view(shopper)
        quantities = {line.variant_id: line.quantity for line in cart.lines}
        if check.kind == "cart_lines":
            return None if len(cart.lines) == check.count else f"cart has {len(cart.lines)} lines"
        variant = shop.refs.get(check.variant or "", "")
        got = quantities.get(variant)
        if got is None:
            return f"cart lacks {check.variant}"
        if check.quantity is not None and got != check.quantity:
            return f"cart has {got} of {check.variant}, expected {check.quantity}"
        return None
    if check.kind == "order_status":
        order = await services.orders.get(shopper, shop.refs[check.order or ""])
        if order.status != check.status:
            return f"order {check.order} is {order.status}, expected {check.status}"
        return None
    if check.kind == "new_order":
        return _new_order_problem(shop, check, await _new_orders(shop))
    if check.kind == "coupon_claimed":
        mine = await services.coupons.list_mine(shopper, PageRequest(page=1, page_size=100))
        codes = {claim.coupon.code.upper() for claim in mine.items}
        return None if (check.code or "").upper() in codes else f"coupon {check.code} not claimed"
    addresses = await services.users.list_addresses(shopper)
    return None if len(addresses) == check.count else f"{len(addresses)} saved addresses"


async def _new_orders(shop: CaseShop) -> list[OrderOut]:
    page = await shop.container.orders.list(shop.shopper, PageRequest(page=1, page_size=100), None)
    return [order for order in page.items if order.id not in shop.setup_orders]


def _new_order_problem(shop: CaseShop, check: StateCheck, orders: list[OrderOut]) -> str | None:
    if not orders:
        return "no new order"
    if check.count is not None and len(orders) != check.count:
        return f"{len(orders)} new orders, expected {check.count}"
    order = orders[0]
    if check.status is not None and order.status != check.status:
        return f"new order is {order.status}, expected {check.status}"
    variants = {line.variant_id for line in order.lines}
    missing = [alias for alias in check.variants if shop.refs.get(alias) not in variants]
    return f"new order lacks {', '.join(missing)}" if missing else None
