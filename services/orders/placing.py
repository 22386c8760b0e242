"""Placing an order: price the lines, apply a coupon, reserve stock, empty the cart — or nothing."""

from __future__ import annotations

from services.catalog.errors import VariantNotFound
from services.catalog.models import Product, Variant
from services.catalog.stock import OutOfStock, out_of_stock, stock_event
from services.coupons.redemption import AppliedCoupon, redeem, redeem_best
from services.kernel.actor import Actor
from services.kernel.ids import new_id
from services.orders.common import order_event
from services.orders.context import OrderContext
from services.orders.errors import EmptyOrder, MixedCurrencies
from services.orders.limits import ensure_within_unpaid_limits
from services.orders.models import Order, OrderLine
from services.orders.pricing import address_snapshot, compute_totals, coupon_lines, merge_items
from services.orders.schemas import OrderOut, PlaceOrderIn
from services.orders.state_machine import OrderStatus
from services.orders.views import order_out
from services.uow import ShopUnitOfWork
from services.users.errors import AddressNotFound


async def place_order(ctx: OrderContext, actor: Actor, data: PlaceOrderIn) -> OrderOut:
    """Create a ``pending_payment`` order that holds its stock until paid, cancelled or expired."""
    async with ctx.uow() as uow:
        now = uow.clock.now()
        wanted, from_cart = await _requested(uow, actor.user_id, data)
        # First, so that a flash sale's losers are turned away before they hold a connection.
        await ctx.stock_gate.reserve(uow, wanted)
        address = await uow.users.get_address(actor.user_id, data.address_id)
        if address is None:
            raise AddressNotFound("No such address.", details={"address_id": data.address_id})
        order = Order(
            id=new_id("ord"),
            user_id=actor.user_id,
            status=OrderStatus.PENDING_PAYMENT,
            address_id=address.id,
            shipping_address=address_snapshot(address),
            expires_at=now + ctx.expiry,
            items_modified=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
        order.lines, order.currency = await _priced_lines(uow, order.id, wanted)
        # After the stock check: a buyer asking for more than there is hears "out of stock".
        await ensure_within_unpaid_limits(uow, ctx.unpaid, actor.user_id, wanted, now)
        applied = await _coupon(uow, actor.user_id, data, order)
        totals = compute_totals(
            (line.total_minor for line in order.lines),
            applied.discount_minor if applied else 0,
            ctx.shipping_minor,
        )
        order.subtotal_minor, order.discount_minor = totals.subtotal, totals.discount
        order.shipping_minor, order.total_minor = totals.shipping, totals.total
        if applied is not None:
            order.coupon_code, order.user_coupon_id = applied.code, applied.claim_id
        await uow.orders.insert_new(order)
        if from_cart:
            await ctx.carts.remove_lines(uow, actor.user_id, list(wanted))
        for variant_id, quantity in wanted.items():
            uow.emit(stock_event(variant_id, "reserved", order.id, reserved=quantity))
        uow.emit(order_event("created", order, lines=len(order.lines)))
        # The stock rows are locked last, so that concurrent buyers of a variant wait only for
        # the reservation and the commit, not for the rest of the order.
        await uow.stock.reserve(wanted)
        await uow.commit()
    # A new order has no payments or returns yet: nothing to read back.
    return order_out(order, [], [])


async def _requested(
    uow: ShopUnitOfWork, user_id: str, data: PlaceOrderIn
) -> tuple[dict[str, int], bool]:
    """Units per variant to order, and whether they come from the cart."""
    if data.items is not None:
        return merge_items((item.variant_id, item.quantity) for item in data.items), False
    lines = await uow.carts.lines(user_id, data.cart_variant_ids)
    if data.cart_variant_ids is not None:
        missing = sorted(set(data.cart_variant_ids) - {line.variant_id for line in lines})
        if missing:
            raise EmptyOrder(
                "Some of the chosen variants are not in your cart.",
                details={"variant_ids": missing},
            )
    if not lines:
        raise EmptyOrder("Your cart is empty; add items or name them in the order.")
    return merge_items((line.variant_id, line.quantity) for line in lines), True


async def _priced_lines(
    uow: ShopUnitOfWork, order_id: str, wanted: dict[str, int]
) -> tuple[list[OrderLine], str]:
    """Lines with the product name, options and price of this moment, and their currency."""
    found = await uow.catalog.variants_with_products(list(wanted))
    lines = []
    currencies = set()
    for position, (variant_id, quantity) in enumerate(wanted.items()):
        variant, product = sellable(found, variant_id)
        # From the committed stock, before anything is written: once a flash sale has sold
        # out, its losers cost two reads. ``reserve`` decides for units that look available.
        if variant.on_hand - variant.reserved < quantity:
            raise out_of_stock(variant_id, quantity, variant.on_hand - variant.reserved)
        currencies.add(variant.currency)
        lines.append(
            OrderLine(
                id=new_id("oli"),
                order_id=order_id,
                position=position,
                variant_id=variant.id,
                product_id=product.id,
                category_id=product.category_id,
                product_name=product.name,
                options=dict(variant.options),
                unit_price_minor=variant.price_minor,
                quantity=quantity,
            )
        )
    if len(currencies) != 1:
        raise MixedCurrencies(
            "Items priced in different currencies cannot be in one order.",
            details={"currencies": sorted(currencies)},
        )
    return lines, currencies.pop()


def sellable(found: dict[str, tuple[Variant, Product]], variant_id: str) -> tuple[Variant, Product]:
    """The variant and product, refusing unknown, deleted or unavailable ones."""
    variant, product = found.get(variant_id, (None, None))
    if variant is None or product is None or not (variant.is_active and product.is_active):
        raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
    if not variant.is_available:
        raise OutOfStock(
            f"Variant {variant_id} is not available.",
            details={"variant_id": variant_id, "available": 0},
        )
    return variant, product


async def _coupon(
    uow: ShopUnitOfWork, user_id: str, data: PlaceOrderIn, order: Order
) -> AppliedCoupon | None:
    """Spend a use of the named coupon, or of the best one when asked."""
    now = uow.clock.now()
    lines = coupon_lines(order.lines)
    if data.coupon_code:
        return await redeem(uow.coupons, user_id, data.coupon_code, lines, order.currency, now)
    if data.apply_best_coupon:
        return await redeem_best(uow.coupons, user_id, lines, order.currency, now)
    return None
