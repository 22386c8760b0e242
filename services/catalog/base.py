"""State and lookups shared by the parts of :class:`CatalogService`."""

from __future__ import annotations

from collections.abc import Callable

from services.catalog.cache import CatalogCache, NoCatalogCache
from services.catalog.errors import (
    CategoryNotFound,
    ProductNotFound,
    UnsupportedCurrency,
    VariantNotFound,
)
from services.catalog.models import Category, Product, Variant
from services.catalog.rules import ensure_can_manage
from services.catalog.schemas import PriceIn, ProductOut
from services.catalog.search import ProductSearch
from services.catalog.views import product_out
from services.kernel.actor import Actor
from services.kernel.clock import Clock
from services.storage import BlobStorage
from services.uow import ShopUnitOfWork

MAX_IMAGES_PER_PRODUCT = 20


class CatalogBase:
    """Collaborators of the catalog service and the lookups every operation needs."""

    def __init__(
        self,
        uow_factory: Callable[[], ShopUnitOfWork],
        clock: Clock,
        storage: BlobStorage,
        search_engine: ProductSearch,
        *,
        currency: str = "USD",
        image_max_bytes: int = 5 * 1024 * 1024,
        cache: CatalogCache | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._storage = storage
        self._search = search_engine
        self._currency = currency.upper()
        self._image_max_bytes = image_max_bytes
        self._cache: CatalogCache = cache or NoCatalogCache()

    def _price_currency(self, price: PriceIn) -> str:
        """The currency of a price; this shop sells in one currency only."""
        currency = (price.currency or self._currency).upper()
        if currency != self._currency:
            raise UnsupportedCurrency(
                f"Prices must be in {self._currency}.", details={"currency": currency}
            )
        return currency

    async def _category(self, uow: ShopUnitOfWork, category_id: str) -> Category:
        category = await uow.catalog.get_category(category_id)
        if category is None:
            raise CategoryNotFound("No such category.", details={"category_id": category_id})
        return category

    async def _managed_product(self, uow: ShopUnitOfWork, actor: Actor, product_id: str) -> Product:
        """A product this actor may change (deleted ones included, so they can be restored)."""
        actor.require_staff()
        # Locked: stock, price versions and image positions are read, checked, then written.
        product = await uow.catalog.get_product(product_id, for_update=True)
        if product is None:
            raise ProductNotFound("No such product.", details={"product_id": product_id})
        ensure_can_manage(actor, product)
        return product

    async def _managed_variant(
        self, uow: ShopUnitOfWork, actor: Actor, variant_id: str
    ) -> tuple[Variant, Product]:
        """A live variant whose product this actor may change."""
        actor.require_staff()
        # Locked: a stock edit checks ``reserved``, which concurrent orders change.
        variant = await uow.catalog.get_variant(variant_id, for_update=True)
        if variant is None or not variant.is_active:
            raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
        product = await uow.catalog.get_product(variant.product_id)
        if product is None:
            raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
        try:
            ensure_can_manage(actor, product)
        except ProductNotFound:
            raise VariantNotFound("No such variant.", details={"variant_id": variant_id}) from None
        return variant, product

    async def _product_out(self, uow: ShopUnitOfWork, product: Product) -> ProductOut:
        category = await self._category(uow, product.category_id)
        variants = await uow.catalog.variants_of(product.id)
        images = await uow.catalog.images_of(product.id)
        return product_out(product, category, variants, images, self._storage.url)
