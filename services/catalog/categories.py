"""Managing categories (merchants and admins)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.catalog.base import CatalogBase
from services.catalog.errors import CategoryInUse, DuplicateCategory
from services.catalog.models import Category
from services.catalog.schemas import CategoryIn, CategoryOut, CategoryPatch
from services.catalog.views import category_out
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id
from services.uow import ShopUnitOfWork


class CategoryCommands(CatalogBase):
    """Create, rename and remove categories; names are unique ignoring case."""

    async def create_category(self, actor: Actor, data: CategoryIn) -> CategoryOut:
        """Add a category (409 if the name is taken)."""
        actor.require_staff()
        async with self._uow() as uow:
            await self._ensure_free_name(uow, data.name, None)
            now = self._clock.now()
            category = Category(
                id=new_id("cat"),
                name=data.name,
                description=data.description,
                created_at=now,
                updated_at=now,
            )
            uow.catalog.add(category)
            await self._flush(uow, data.name)
            await uow.commit()
        return category_out(category)

    async def update_category(
        self, actor: Actor, category_id: str, data: CategoryPatch
    ) -> CategoryOut:
        """Rename a category or change its description."""
        actor.require_staff()
        async with self._uow() as uow:
            category = await self._category(uow, category_id)
            if data.name is not None and data.name != category.name:
                await self._ensure_free_name(uow, data.name, category.id)
                category.name = data.name
                # Product pages, search results and the search index show category names.
                uow.emit(DomainEvent("category.renamed", category.id, {"category_id": category.id}))
            if data.description is not None:
                category.description = data.description
            category.updated_at = self._clock.now()
            await self._flush(uow, category.name)
            count = await uow.catalog.count_products_in(category.id)
            await uow.commit()
        return category_out(category, count)

    async def delete_category(self, actor: Actor, category_id: str) -> None:
        """Remove an empty category (409 while products, even deleted ones, still use it)."""
        actor.require_staff()
        async with self._uow() as uow:
            category = await self._category(uow, category_id)
            count = await uow.catalog.count_products_in(category.id)
            if count:
                raise CategoryInUse(
                    "The category still has products; move them first.",
                    details={"category_id": category_id, "products": count},
                )
            await uow.catalog.delete_category(category)
            await uow.commit()

    async def _ensure_free_name(self, uow: ShopUnitOfWork, name: str, own_id: str | None) -> None:
        existing = await uow.catalog.find_category_by_name(name)
        if existing is not None and existing.id != own_id:
            raise DuplicateCategory(
                f"A category named {existing.name!r} exists.", details={"category_id": existing.id}
            )

    async def _flush(self, uow: ShopUnitOfWork, name: str) -> None:
        # Two writers can pass the name check at once on PostgreSQL; the unique index decides.
        try:
            await uow.catalog.flush()
        except IntegrityError:
            raise DuplicateCategory(f"A category named {name!r} exists.") from None
