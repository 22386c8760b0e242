"""Imports every table so that migrations and metadata see the whole schema."""

from services.carts.models import CartLine
from services.catalog.models import Category, PriceChange, Product, ProductImage, Variant
from services.kernel.events import OutboxEvent
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
    "CartLine",
    "Category",
    "GiftCard",
    "OutboxEvent",
    "PaymentMethod",
    "PriceChange",
    "Product",
    "ProductImage",
    "RefreshToken",
    "RevokedAccessToken",
    "User",
    "Variant",
]
