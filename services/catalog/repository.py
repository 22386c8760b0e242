"""All SQL of the catalog context (reads and writes inside a unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.models import Category, PriceChange, Product, ProductImage, Variant


@dataclass(frozen=True, slots=True)
class ProductPage:
    """What a product page shows: the product, its category, live variants and images."""

    product: Product
    category: Category
    variants: list[Variant]
    images: list[ProductImage]


class CatalogRepository:
    """Categories, products, variants, price history and images over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: Category | Product | Variant | PriceChange | ProductImage) -> None:
        """Stage a new row."""
        self._session.add(row)

    async def flush(self) -> None:
        """Send staged changes so constraints are checked now."""
        await self._session.flush()

    # categories
    async def list_categories(self) -> list[tuple[Category, int]]:
        """Every category by name, with its number of active products."""
        counts = (
            select(Product.category_id, func.count().label("n"))
            .where(Product.is_active.is_(True))
            .group_by(Product.category_id)
            .subquery()
        )
        rows = await self._session.execute(
            select(Category, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.category_id == Category.id)
            .order_by(Category.name)
        )
        return [(category, int(count)) for category, count in rows.all()]

    async def get_category(self, category_id: str) -> Category | None:
        """A category by id."""
        return await self._session.get(Category, category_id)

    async def find_category_by_name(self, name: str) -> Category | None:
        """A category by name, ignoring case."""
        result = await self._session.scalars(
            select(Category).where(func.lower(Category.name) == name.lower()).limit(1)
        )
        return result.first()

    async def count_products_in(self, category_id: str) -> int:
        """Products of a category, deleted ones included (they still reference it)."""
        count = await self._session.scalar(
            select(func.count()).select_from(Product).where(Product.category_id == category_id)
        )
        return int(count or 0)

    async def delete_category(self, category: Category) -> None:
        """Remove a category."""
        await self._session.delete(category)

    # products and variants
    async def get_product(self, product_id: str, *, for_update: bool = False) -> Product | None:
        """A product by id, active or not; ``for_update`` locks its row (PostgreSQL) until the
        transaction ends, so concurrent edits queue instead of working on stale reads."""
        return await self._session.get(
            Product, product_id, with_for_update=for_update, populate_existing=for_update
        )

    async def product_page(self, product_id: str) -> ProductPage | None:
        """A product (active or not) with its category and live variants in creation order, in
        one joined query, and its images in a second (none for a product that is not active)."""
        rows = (
            await self._session.execute(
                select(Product, Category, Variant)
                .join(Category, Category.id == Product.category_id)
                .outerjoin(
                    Variant, and_(Variant.product_id == Product.id, Variant.is_active.is_(True))
                )
                .where(Product.id == product_id)
                .order_by(Variant.created_at, Variant.id)
            )
        ).all()
        if not rows:
            return None
        product, category, _ = rows[0]
        variants = [variant for _, _, variant in rows if variant is not None]
        images = await self.images_of(product_id) if product.is_active else []
        return ProductPage(product, category, variants, images)

    async def variants_of(self, product_id: str, *, with_deleted: bool = False) -> list[Variant]:
        """A product's variants in creation order."""
        query = select(Variant).where(Variant.product_id == product_id)
        if not with_deleted:
            query = query.where(Variant.is_active.is_(True))
        return list(await self._session.scalars(query.order_by(Variant.created_at, Variant.id)))

    async def get_variant(self, variant_id: str, *, for_update: bool = False) -> Variant | None:
        """A variant by id, deleted or not; ``for_update`` locks its row as for products."""
        return await self._session.get(
            Variant, variant_id, with_for_update=for_update, populate_existing=for_update
        )

    async def variants_with_products(
        self, variant_ids: Sequence[str]
    ) -> dict[str, tuple[Variant, Product]]:
        """Variants and their products by variant id; unknown ids are left out."""
        if not variant_ids:
            return {}
        rows = await self._session.execute(
            select(Variant, Product)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.id.in_(list(variant_ids)))
        )
        return {variant.id: (variant, product) for variant, product in rows.all()}

    async def price_history(self, variant_id: str) -> list[PriceChange]:
        """A variant's price versions, oldest first."""
        rows = await self._session.scalars(
            select(PriceChange)
            .where(PriceChange.variant_id == variant_id)
            .order_by(PriceChange.version)
        )
        return list(rows)

    # images
    async def images_of(self, product_id: str) -> list[ProductImage]:
        """A product's images in display order."""
        rows = await self._session.scalars(
            select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position, ProductImage.id)
        )
        return list(rows)

    async def get_image(self, product_id: str, image_id: str) -> ProductImage | None:
        """An image of this product."""
        image = await self._session.get(ProductImage, image_id)
        return image if image is not None and image.product_id == product_id else None

    async def delete_image(self, image: ProductImage) -> None:
        """Remove an image row."""
        await self._session.execute(delete(ProductImage).where(ProductImage.id == image.id))
