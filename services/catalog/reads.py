"""Public reads of the catalog: categories, search, product pages, price history."""

from __future__ import annotations

from services.catalog.base import CatalogBase
from services.catalog.errors import ProductNotFound, VariantNotFound
from services.catalog.rules import sees_stock
from services.catalog.schemas import (
    CategoryOut,
    PriceChangeOut,
    ProductOut,
    PublicVariantOut,
    VariantOut,
)
from services.catalog.search import SearchPage, SearchQuery
from services.catalog.views import (
    category_out,
    price_change_out,
    product_out,
    public_product_json,
    variant_out,
)
from services.kernel.actor import Actor


class CatalogReads(CatalogBase):
    """What anyone may read, signed in or not."""

    async def list_categories(self) -> list[CategoryOut]:
        """Every category by name, with its count of active products."""
        async with self._uow().read_only() as uow:
            rows = await uow.catalog.list_categories()
            # Rows expire when the read-only unit of work rolls back, so convert them first.
            return [category_out(category, count) for category, count in rows]

    async def search_products(self, query: SearchQuery) -> SearchPage:
        """Active products matching ``query`` (keywords, category, price range, stock, options),
        with facets when the search engine computes them."""
        return await self._cache.search(query, lambda: self._search.search(query))

    async def search_products_json(self, query: SearchQuery) -> bytes:
        """:meth:`search_products` as the JSON body the API sends (cached as such)."""
        return await self._cache.search_json(query, lambda: self._search.search(query))

    async def get_product(self, product_id: str) -> ProductOut:
        """An active product with its variants, offered options and images."""
        return await self._cache.product(product_id, lambda: self._load_product(product_id))

    async def get_product_json(self, product_id: str) -> bytes:
        """:meth:`get_product` as the JSON body the API sends (cached as such)."""
        return await self._cache.product_json(product_id, lambda: self._load_product(product_id))

    async def product_page_json(self, product_id: str, viewer: Actor | None) -> bytes:
        """The product page as ``viewer`` (None: anonymous) may see it: stock figures, owner
        and source ids only for the product's merchant and admins."""
        page = await self.get_product_json(product_id)
        if viewer is not None and viewer.is_staff:
            merchant_id = ProductOut.model_validate_json(page).merchant_id
            if sees_stock(viewer, merchant_id):
                return page
        return public_product_json(page)

    async def _load_product(self, product_id: str) -> ProductOut:
        async with self._uow().read_only() as uow:
            page = await uow.catalog.product_page(product_id)
            if page is None or not page.product.is_active:
                raise ProductNotFound("No such product.", details={"product_id": product_id})
            return product_out(
                page.product, page.category, page.variants, page.images, self._storage.url
            )

    async def get_variant(self, variant_id: str) -> VariantOut:
        """A live variant of an active product, with price and stock."""
        variant, _ = await self._live_variant(variant_id)
        return variant

    async def variant_for(self, variant_id: str, viewer: Actor | None) -> PublicVariantOut:
        """A live variant as ``viewer`` may see it (stock figures: its merchant and admins)."""
        variant, merchant_id = await self._live_variant(variant_id)
        if sees_stock(viewer, merchant_id):
            return variant
        return PublicVariantOut.model_validate(variant.model_dump())

    async def _live_variant(self, variant_id: str) -> tuple[VariantOut, str | None]:
        async with self._uow().read_only() as uow:
            found = await uow.catalog.variants_with_products([variant_id])
            variant, product = found.get(variant_id, (None, None))
            if variant is None or product is None or not (variant.is_active and product.is_active):
                raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
            return variant_out(variant), product.merchant_id

    async def get_price_history(self, variant_id: str) -> list[PriceChangeOut]:
        """Every price a variant has had, version 1 first."""
        await self.get_variant(variant_id)
        async with self._uow().read_only() as uow:
            changes = await uow.catalog.price_history(variant_id)
            return [price_change_out(change) for change in changes]
