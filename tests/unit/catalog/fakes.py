"""In-memory stand-ins for the catalog and cart repositories, the unit of work and storage."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from services.carts.models import CartLine
from services.catalog.models import Category, PriceChange, Product, ProductImage, Variant
from services.catalog.repository import ProductPage
from services.catalog.search import SearchPage, SearchQuery
from services.kernel.clock import FrozenClock
from services.kernel.events import DomainEvent, InProcessEventBus


class FakeCatalogRepository:
    """Rows kept in dicts by id."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.products: dict[str, Product] = {}
        self.variants: dict[str, Variant] = {}
        self.prices: list[PriceChange] = []
        self.images: dict[str, ProductImage] = {}

    def add(self, row: Any) -> None:
        if isinstance(row, Category):
            self.categories[row.id] = row
        elif isinstance(row, Product):
            self.products[row.id] = row
        elif isinstance(row, Variant):
            self.variants[row.id] = row
        elif isinstance(row, PriceChange):
            self.prices.append(row)
        elif isinstance(row, ProductImage):
            self.images[row.id] = row

    async def flush(self) -> None:
        return None

    async def list_categories(self) -> list[tuple[Category, int]]:
        ordered = sorted(self.categories.values(), key=lambda c: c.name)
        return [(c, await self.count_products_in(c.id)) for c in ordered]

    async def get_category(self, category_id: str) -> Category | None:
        return self.categories.get(category_id)

    async def find_category_by_name(self, name: str) -> Category | None:
        return next((c for c in self.categories.values() if c.name.lower() == name.lower()), None)

    async def count_products_in(self, category_id: str) -> int:
        return sum(1 for p in self.products.values() if p.category_id == category_id)

    async def delete_category(self, category: Category) -> None:
        del self.categories[category.id]

    async def get_product(self, product_id: str, *, for_update: bool = False) -> Product | None:
        return self.products.get(product_id)

    async def product_page(self, product_id: str) -> ProductPage | None:
        product = self.products.get(product_id)
        if product is None or product.category_id not in self.categories:
            return None
        category = self.categories[product.category_id]
        images = await self.images_of(product_id) if product.is_active else []
        return ProductPage(product, category, await self.variants_of(product_id), images)

    async def variants_of(self, product_id: str, *, with_deleted: bool = False) -> list[Variant]:
        return [
            v
            for v in self.variants.values()
            if v.product_id == product_id and (with_deleted or v.is_active)
        ]

    async def get_variant(self, variant_id: str, *, for_update: bool = False) -> Variant | None:
        return self.variants.get(variant_id)

    async def variants_with_products(
        self, variant_ids: Sequence[str]
    ) -> dict[str, tuple[Variant, Product]]:
        return {
            vid: (self.variants[vid], self.products[self.variants[vid].product_id])
            for vid in variant_ids
            if vid in self.variants
        }

    async def price_history(self, variant_id: str) -> list[PriceChange]:
        return sorted(
            (p for p in self.prices if p.variant_id == variant_id), key=lambda p: p.version
        )

    async def images_of(self, product_id: str) -> list[ProductImage]:
        return [i for i in self.images.values() if i.product_id == product_id]

    async def get_image(self, product_id: str, image_id: str) -> ProductImage | None:
        image = self.images.get(image_id)
        return image if image is not None and image.product_id == product_id else None

    async def delete_image(self, image: ProductImage) -> None:
        del self.images[image.id]


class FakeCartRepository:
    """Cart lines keyed by (user, variant)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], CartLine] = {}

    async def lines(self, user_id: str, variant_ids: Sequence[str] | None = None) -> list[CartLine]:
        return [
            line
            for (owner, vid), line in self.rows.items()
            if owner == user_id and (variant_ids is None or vid in variant_ids)
        ]

    async def get_line(self, user_id: str, variant_id: str) -> CartLine | None:
        return self.rows.get((user_id, variant_id))

    def add(self, line: CartLine) -> None:
        self.rows[(line.user_id, line.variant_id)] = line

    async def flush(self) -> None:
        return None

    async def delete_lines(self, user_id: str, variant_ids: Sequence[str] | None = None) -> int:
        doomed = [
            key
            for key in self.rows
            if key[0] == user_id and (variant_ids is None or key[1] in variant_ids)
        ]
        for key in doomed:
            del self.rows[key]
        return len(doomed)


class FakeShop:
    """Shared state behind every fake unit of work, plus what was committed and emitted."""

    def __init__(self) -> None:
        self.catalog = FakeCatalogRepository()
        self.carts = FakeCartRepository()
        self.clock = FrozenClock()
        self.events: list[DomainEvent] = []
        self.commits = 0
        # Committed events go here too, as the real unit of work publishes them after commit.
        self.bus = InProcessEventBus()

    def uow(self) -> FakeUow:
        return FakeUow(self)


class FakeUow:
    """Writes straight into the shared state; events count only once committed."""

    def __init__(self, shop: FakeShop) -> None:
        self._shop = shop
        self.catalog = shop.catalog
        self.carts = shop.carts
        self.clock = shop.clock
        self._pending: list[DomainEvent] = []
        self.reading = False

    def read_only(self) -> FakeUow:
        self.reading = True
        return self

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending = []

    def emit(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        assert not self.reading, "a read-only unit of work cannot commit"
        committed, self._pending = self._pending, []
        self._shop.events.extend(committed)
        self._shop.commits += 1
        await self._shop.bus.publish(committed)


class FakeStorage:
    """Blobs in a dict."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = data

    async def get(self, key: str) -> bytes:
        return self.blobs[key]

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    def url(self, key: str) -> str:
        return f"/media/{key}"


class NoSearch:
    """A search engine that is never asked (the service only delegates)."""

    async def search(self, query: SearchQuery) -> SearchPage:
        raise AssertionError("search is not part of this test")
