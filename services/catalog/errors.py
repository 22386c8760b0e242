"""Failures of the catalog context."""

from __future__ import annotations

from services.kernel.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ShopError,
    Unprocessable,
)


class CategoryNotFound(NotFound):
    code = "category_not_found"


class ProductNotFound(NotFound):
    code = "product_not_found"


class VariantNotFound(NotFound):
    code = "variant_not_found"


class ImageNotFound(NotFound):
    code = "image_not_found"


class DuplicateCategory(Conflict):
    code = "duplicate_category"


class CategoryInUse(Conflict):
    code = "category_in_use"


class DuplicateVariant(Conflict):
    code = "duplicate_variant"


class StockBelowReserved(Conflict):
    code = "stock_below_reserved"


class TooManyImages(Conflict):
    code = "too_many_images"


class UnsupportedCurrency(Unprocessable):
    code = "unsupported_currency"


class EmptyImage(BadRequest):
    code = "empty_image"


class ImageTooLarge(PayloadTooLarge):
    code = "image_too_large"


class UnsupportedImageType(ShopError):
    status_code = 415
    code = "unsupported_media_type"
