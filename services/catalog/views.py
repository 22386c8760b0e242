"""Turning catalog rows into the schemas the API and the tools return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from services.catalog.models import Category, PriceChange, Product, ProductImage, Variant
from services.catalog.rules import in_stock, is_offered, option_values
from services.catalog.schemas import (
    CategoryOut,
    CategoryRef,
    ImageOut,
    PriceChangeOut,
    ProductOut,
    ProductSummary,
    PublicProductOut,
    VariantOut,
)
from services.kernel.money import MoneyOut


def category_out(category: Category, product_count: int = 0) -> CategoryOut:
    """A category for listing."""
    return CategoryOut(
        id=category.id,
        name=category.name,
        description=category.description,
        product_count=product_count,
    )


def variant_out(variant: Variant) -> VariantOut:
    """A variant with price and stock figures."""
    return VariantOut(
        id=variant.id,
        product_id=variant.product_id,
        options=dict(variant.options),
        price=MoneyOut.of(variant.price_minor, variant.currency),
        price_version=variant.price_version,
        on_hand=variant.on_hand,
        reserved=variant.reserved,
        available=variant.available,
        is_available=variant.is_available,
        in_stock=in_stock(variant),
        external_id=variant.external_id,
    )


def image_out(image: ProductImage, url: Callable[[str], str]) -> ImageOut:
    """An image with the URL that serves it."""
    return ImageOut(
        id=image.id,
        url=url(image.storage_key),
        content_type=image.content_type,
        size_bytes=image.size_bytes,
        position=image.position,
    )


def _price_range(variants: Sequence[Variant]) -> tuple[MoneyOut | None, MoneyOut | None]:
    # Offered variants decide the range; a product with none offered still shows its prices.
    priced = [v for v in variants if is_offered(v)] or [v for v in variants if v.is_active]
    if not priced:
        return None, None
    low = min(priced, key=lambda v: v.price_minor)
    high = max(priced, key=lambda v: v.price_minor)
    return MoneyOut.of(low.price_minor, low.currency), MoneyOut.of(high.price_minor, high.currency)


def product_out(
    product: Product,
    category: Category,
    variants: Sequence[Variant],
    images: Sequence[ProductImage],
    url: Callable[[str], str],
) -> ProductOut:
    """A product page: variants, offered option values, price range, images."""
    low, high = _price_range(variants)
    return ProductOut(
        id=product.id,
        name=product.name,
        description=product.description,
        search_terms=product.search_terms,
        category=CategoryRef(id=category.id, name=category.name),
        merchant_id=product.merchant_id,
        is_active=product.is_active,
        in_stock=product.is_active and any(in_stock(v) for v in variants),
        min_price=low,
        max_price=high,
        options=option_values(v for v in variants if is_offered(v)),
        variants=[variant_out(v) for v in variants if v.is_active],
        images=[image_out(image, url) for image in images],
        external_id=product.external_id,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def product_summary(
    product: Product, category: Category, variants: Sequence[Variant], currency: str
) -> ProductSummary:
    """A search hit."""
    active = [v for v in variants if v.is_active]
    low, high = _price_range(active)
    return ProductSummary(
        id=product.id,
        name=product.name,
        category=CategoryRef(id=category.id, name=category.name),
        min_price=low,
        max_price=high,
        currency=low.currency if low else currency,
        in_stock=product.is_active and any(in_stock(v) for v in active),
        variant_count=len(active),
        options=option_values(v for v in active if is_offered(v)),
    )


def price_change_out(change: PriceChange) -> PriceChangeOut:
    """One price version."""
    return PriceChangeOut(
        version=change.version,
        price=MoneyOut.of(change.price_minor, change.currency),
        changed_at=change.changed_at,
    )


@lru_cache(maxsize=512)
def public_product_json(page: bytes) -> bytes:
    """A product page's JSON without what only its merchant and admins see (see
    :func:`services.catalog.rules.sees_stock`); remembered per page, which caches hand out
    unchanged until the product changes."""
    return PublicProductOut.model_validate_json(page).model_dump_json().encode()
