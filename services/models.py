"""Imports every table so that migrations and metadata see the whole schema."""

from services.approvals.models import Approval
from services.carts.models import CartLine
from services.catalog.models import Category, PriceChange, Product, ProductImage, Variant
from services.coupons.models import Coupon, UserCoupon
from services.events.audit import AuditEntry
from services.kernel.events import OutboxEvent
from services.kernel.idempotency import IdempotencyRecord
from services.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from services.payments.models import LedgerEntry, PaymentToken
from services.users.models import (
    Address,
    GiftCard,
    PaymentMethod,
    RefreshToken,
    RevokedAccessToken,
    User,
)

__all__ = [
    "Address",
    "Approval",
    "AuditEntry",
    "CartLine",
    "Category",
    "Coupon",
    "GiftCard",
    "IdempotencyRecord",
    "LedgerEntry",
    "Order",
    "OrderLine",
    "OutboxEvent",
    "PaymentMethod",
    "PaymentToken",
    "PriceChange",
    "Product",
    "ProductImage",
    "RefreshToken",
    "ReturnLine",
    "ReturnRequest",
    "RevokedAccessToken",
    "User",
    "UserCoupon",
    "Variant",
]
