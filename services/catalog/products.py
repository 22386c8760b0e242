"""Managing products (a merchant their own, an admin every one)."""

from __future__ import annotations

from datetime import timedelta

from services.catalog.base import CatalogBase
from services.catalog.errors import DuplicateVariant
from services.catalog.models import Product
from services.catalog.schemas import ProductIn, ProductOut, ProductPatch
from services.catalog.variants import build_variant
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id


class ProductCommands(CatalogBase):
    """Create, edit, delete (softly) and restore products."""

    async def create_product(self, actor: Actor, data: ProductIn) -> ProductOut:
        """Add a product, with its variants, owned by the acting merchant or admin."""
        actor.require_staff()
        _refuse_duplicate_options([spec.options for spec in data.variants])
        async with self._uow() as uow:
            await self._category(uow, data.category_id)
            now = self._clock.now()
            product = Product(
                id=new_id("prd"),
                name=data.name,
                description=data.description,
                search_terms=data.search_terms,
                category_id=data.category_id,
                merchant_id=actor.user_id,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            uow.catalog.add(product)
            variant_ids = []
            for position, spec in enumerate(data.variants):
                # Variants list in creation order; distinct timestamps keep that order stable.
                created = now + timedelta(microseconds=position)
                variant, first_price = build_variant(
                    product.id, spec, self._price_currency(spec.price), actor.user_id, created
                )
                uow.catalog.add(variant)
                uow.catalog.add(first_price)
                variant_ids.append(variant.id)
            uow.emit(
                DomainEvent(
                    "product.created",
                    product.id,
                    {
                        "product_id": product.id,
                        "merchant_id": product.merchant_id,
                        "category_id": product.category_id,
                        "variant_ids": variant_ids,
                    },
                )
            )
            out = await self._product_out(uow, product)
            await uow.commit()
        return out

    async def update_product(self, actor: Actor, product_id: str, data: ProductPatch) -> ProductOut:
        """Change name, description, search terms or category; ``is_active`` deletes or restores."""
        async with self._uow() as uow:
            product = await self._managed_product(uow, actor, product_id)
            changed: list[str] = []
            if data.category_id is not None and data.category_id != product.category_id:
                await self._category(uow, data.category_id)
                product.category_id = data.category_id
                changed.append("category_id")
            for field in ("name", "description", "search_terms", "is_active"):
                value = getattr(data, field)
                if value is not None and value != getattr(product, field):
                    setattr(product, field, value)
                    changed.append(field)
            if changed:
                product.updated_at = self._clock.now()
                deleted = "is_active" in changed and not product.is_active
                kind = "product.deleted" if deleted else "product.updated"
                uow.emit(
                    DomainEvent(kind, product.id, {"product_id": product.id, "fields": changed})
                )
            out = await self._product_out(uow, product)
            await uow.commit()
        return out

    async def delete_product(self, actor: Actor, product_id: str) -> None:
        """Hide a product from the shop; orders that mention it keep working."""
        async with self._uow() as uow:
            product = await self._managed_product(uow, actor, product_id)
            if not product.is_active:
                return
            product.is_active = False
            product.updated_at = self._clock.now()
            uow.emit(DomainEvent("product.deleted", product.id, {"product_id": product.id}))
            await uow.commit()


def _refuse_duplicate_options(option_sets: list[dict[str, str]]) -> None:
    seen: list[dict[str, str]] = []
    for options in option_sets:
        if options in seen:
            raise DuplicateVariant(
                "Two variants have the same options.", details={"options": options}
            )
        seen.append(options)
