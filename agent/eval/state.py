"""End-state checks of multi-step cases, read through the services as the shopper.

Kinds (aliases name the case's setup: variants, orders, addresses; ``card``/``paypal``/
``gift_card`` and ``address`` are the demo shopper's own):

* ``cart_has``: the cart holds ``variant`` (``quantity`` of it, when given);
  ``cart_lacks``: it does not hold ``variant``; ``cart_lines``: it has ``count`` lines;
* ``cart_product``: the cart holds some variant of ``product`` (``quantity`` in all, when given),
  for requests where any variant does ("any colour is fine");
* ``order_status``: ``order`` is in ``status`` (cancelled, paid, return_requested, ...);
* ``order_has``: ``order`` has a line of ``variant`` (e.g. after a swap);
* ``order_address``: ``order`` ships to the saved ``address``;
* ``order_payment``: ``order`` is charged to the payment method ``method``;
* ``new_order``: an order the case did not set up exists (``count`` of them, when given) in
  ``status``, holding ``variants`` or some variant of ``product``, with coupon ``code``,
  shipped to ``address``, each only when given;
* ``coupon_claimed``: the shopper holds coupon ``code``; ``addresses``: ``count`` saved addresses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agent.eval.cases import StateCheck
from agent.eval.shop import CaseShop
from services.kernel.pagination import PageRequest
from services.orders.schemas import OrderOut

Check = Callable[[CaseShop, StateCheck], Awaitable[str | None]]


async def check_state(shop: CaseShop, checks: list[StateCheck]) -> list[str]:
    """Problems with the shop's state after a case (empty when every check holds)."""
    problems: list[str] = []
    for check in checks:
        problem = await CHECKS[check.kind](shop, check)
        if problem:
            problems.append(problem)
    return problems


async def _cart_quantities(shop: CaseShop) -> dict[str, int]:
    cart = await shop.container.carts.view(shop.shopper)
    return {line.variant_id: line.quantity for line in cart.lines}


async def _cart_has(shop: CaseShop, check: StateCheck) -> str | None:
    got = (await _cart_quantities(shop)).get(shop.refs.get(check.variant or "", ""))
    if got is None:
        return f"cart lacks {check.variant}"
    if check.quantity is not None and got != check.quantity:
        return f"cart has {got} of {check.variant}, expected {check.quantity}"
    return None


async def _cart_lacks(shop: CaseShop, check: StateCheck) -> str | None:
    if shop.refs.get(check.variant or "") in await _cart_quantities(shop):
        return f"cart still has {check.variant}"
    return None


async def _cart_lines(shop: CaseShop, check: StateCheck) -> str | None:
    count = len(await _cart_quantities(shop))
    return None if count == check.count else f"cart has {count} lines, expected {check.count}"


async def _cart_product(shop: CaseShop, check: StateCheck) -> str | None:
    cart = await shop.container.carts.view(shop.shopper)
    product_id = shop.refs.get(f"product:{check.product}")
    got = sum(line.quantity for line in cart.lines if line.product_id == product_id)
    if not got:
        return f"cart has no {check.product}"
    if check.quantity is not None and got != check.quantity:
        return f"cart has {got} of {check.product}, expected {check.quantity}"
    return None


async def _order(shop: CaseShop, check: StateCheck) -> OrderOut:
    return await shop.container.orders.get(shop.shopper, shop.refs[check.order or ""])


async def _order_status(shop: CaseShop, check: StateCheck) -> str | None:
    order = await _order(shop, check)
    if order.status != check.status:
        return f"order {check.order} is {order.status}, expected {check.status}"
    return None


async def _order_has(shop: CaseShop, check: StateCheck) -> str | None:
    order = await _order(shop, check)
    if shop.refs.get(check.variant or "") in {line.variant_id for line in order.lines}:
        return None
    return f"order {check.order} lacks {check.variant}"


async def _ships_to(shop: CaseShop, order: OrderOut, alias: str) -> bool:
    address = await shop.container.users.get_address(shop.shopper, shop.refs[alias])
    snapshot = order.shipping_address
    return (snapshot.get("line1"), snapshot.get("zip")) == (address.line1, address.zip)


async def _order_address(shop: CaseShop, check: StateCheck) -> str | None:
    order = await _order(shop, check)
    if await _ships_to(shop, order, check.address or ""):
        return None
    return f"order {check.order} does not ship to {check.address}"


async def _order_payment(shop: CaseShop, check: StateCheck) -> str | None:
    order = await _order(shop, check)
    if order.payment_method_id == shop.refs.get(check.method or ""):
        return None
    return f"order {check.order} is not charged to {check.method}"


async def _new_orders(shop: CaseShop) -> list[OrderOut]:
    page = await shop.container.orders.list(shop.shopper, PageRequest(page=1, page_size=100), None)
    return [order for order in page.items if order.id not in shop.setup_orders]


async def _new_order(shop: CaseShop, check: StateCheck) -> str | None:
    orders = await _new_orders(shop)
    if not orders:
        return "no new order"
    if check.count is not None and len(orders) != check.count:
        return f"{len(orders)} new orders, expected {check.count}"
    order = orders[0]
    if check.status is not None and order.status != check.status:
        return f"new order is {order.status}, expected {check.status}"
    variants = {line.variant_id for line in order.lines}
    missing = [alias for alias in check.variants if shop.refs.get(alias) not in variants]
    if missing:
        return f"new order lacks {', '.join(missing)}"
    products = {line.product_id for line in order.lines}
    if check.product is not None and shop.refs.get(f"product:{check.product}") not in products:
        return f"new order has no {check.product}"
    if check.code is not None and (order.coupon or "").upper() != check.code.upper():
        return f"new order has coupon {order.coupon}, expected {check.code}"
    if check.address is not None and not await _ships_to(shop, order, check.address):
        return f"new order does not ship to {check.address}"
    return None


async def _coupon_claimed(shop: CaseShop, check: StateCheck) -> str | None:
    page = PageRequest(page=1, page_size=100)
    mine = await shop.container.coupons.list_mine(shop.shopper, page)
    codes = {claim.coupon.code.upper() for claim in mine.items}
    return None if (check.code or "").upper() in codes else f"coupon {check.code} not claimed"


async def _addresses(shop: CaseShop, check: StateCheck) -> str | None:
    addresses = await shop.container.users.list_addresses(shop.shopper)
    return None if len(addresses) == check.count else f"{len(addresses)} saved addresses"


CHECKS: dict[str, Check] = {
    "cart_has": _cart_has,
    "cart_lacks": _cart_lacks,
    "cart_lines": _cart_lines,
    "cart_product": _cart_product,
    "order_status": _order_status,
    "order_has": _order_has,
    "order_address": _order_address,
    "order_payment": _order_payment,
    "new_order": _new_order,
    "coupon_claimed": _coupon_claimed,
    "addresses": _addresses,
}
