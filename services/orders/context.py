"""What every order use case needs, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from services.carts.service import CartService
from services.catalog.stock_gate import NoStockGate, StockGate
from services.kernel.clock import Clock
from services.kernel.ratelimit import RateLimiter
from services.orders.limits import UnpaidLimits
from services.payments.moves import MoneyMover
from services.uow import ShopUnitOfWork


@dataclass(frozen=True)
class OrderContext:
    """Collaborators and settings of the orders context."""

    uow: Callable[[], ShopUnitOfWork]
    clock: Clock
    mover: MoneyMover
    carts: CartService
    refund_limiter: RateLimiter
    expiry: timedelta
    shipping_minor: int
    # Redis's flash-sale fast path in front of the database's reservation, when configured.
    stock_gate: StockGate = field(default_factory=NoStockGate)
    # τ-bench retail's policy: items can be swapped once, after which the order can be neither
    # swapped again nor cancelled (address and payment method still change).
    single_item_change: bool = False
    unpaid: UnpaidLimits = field(default_factory=UnpaidLimits)
