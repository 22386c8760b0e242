"""Failures of the carts context."""

from __future__ import annotations

from services.kernel.errors import Conflict, NotFound, Unprocessable


class CartLineNotFound(NotFound):
    code = "cart_item_not_found"


class InvalidQuantity(Unprocessable):
    code = "invalid_quantity"


class VariantUnavailable(Conflict):
    code = "variant_unavailable"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
