"""Managing variants: options, price (with history) and stock."""

from __future__ import annotations

from datetime import datetime

from services.catalog.base import CatalogBase
from services.catalog.errors import DuplicateVariant
from services.catalog.models import PriceChange, Product, Variant
from services.catalog.rules import change_price, change_stock, initial_price, same_options
from services.catalog.schemas import VariantIn, VariantOut, VariantPatch
from services.catalog.views import variant_out
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id
from services.uow import ShopUnitOfWork


def build_variant(
    product_id: str, spec: VariantIn, currency: str, actor_id: str | None, now: datetime
) -> tuple[Variant, PriceChange]:
    """A new variant and the history row of its first price."""
    variant = Variant(
        id=new_id("var"),
        product_id=product_id,
        options=dict(spec.options),
        price_minor=spec.price.amount,
        currency=currency,
        price_version=1,
        on_hand=spec.on_hand,
        reserved=0,
        is_available=spec.is_available,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    return variant, initial_price(variant, actor_id, now)


class VariantCommands(CatalogBase):
    """Add, change and remove variants of products the actor manages."""

    async def add_variant(self, actor: Actor, product_id: str, data: VariantIn) -> VariantOut:
        """Add a variant; its options must differ from the product's other variants."""
        async with self._uow() as uow:
            product = await self._managed_product(uow, actor, product_id)
            await self._refuse_duplicate(uow, product, data.options, None)
            now = self._clock.now()
            variant, first_price = build_variant(
                product.id, data, self._price_currency(data.price), actor.user_id, now
            )
            uow.catalog.add(variant)
            uow.catalog.add(first_price)
            product.updated_at = now
            uow.emit(
                DomainEvent(
                    "product.updated",
                    product.id,
                    {"product_id": product.id, "variant_id": variant.id, "fields": ["variants"]},
                )
            )
            await uow.commit()
        return variant_out(variant)

    async def update_variant(self, actor: Actor, variant_id: str, data: VariantPatch) -> VariantOut:
        """Change options or availability, set a new price (versioned), set or adjust stock."""
        async with self._uow() as uow:
            variant, product = await self._managed_variant(uow, actor, variant_id)
            now = self._clock.now()
            changed: list[str] = []
            if data.options is not None and data.options != variant.options:
                await self._refuse_duplicate(uow, product, data.options, variant.id)
                variant.options = dict(data.options)
                changed.append("options")
            if data.is_available is not None and data.is_available != variant.is_available:
                variant.is_available = data.is_available
                changed.append("is_available")
            if changed:
                # Caches and the search index show options and availability.
                uow.emit(
                    DomainEvent(
                        "product.updated",
                        product.id,
                        {"product_id": product.id, "variant_id": variant.id, "fields": changed},
                    )
                )
            if data.price is not None:
                self._reprice(uow, actor, variant, data, now)
            if data.on_hand is not None or data.stock_delta is not None:
                delta = change_stock(variant, on_hand=data.on_hand, delta=data.stock_delta)
                if delta:
                    uow.emit(_stock_changed(variant, delta))
            variant.updated_at = now
            await uow.commit()
        return variant_out(variant)

    async def delete_variant(self, actor: Actor, variant_id: str) -> None:
        """Hide a variant; carts flag it as unavailable and past orders keep it."""
        async with self._uow() as uow:
            variant, product = await self._managed_variant(uow, actor, variant_id)
            variant.is_active = False
            variant.updated_at = self._clock.now()
            uow.emit(
                DomainEvent(
                    "product.updated",
                    product.id,
                    {"product_id": product.id, "variant_id": variant.id, "fields": ["variants"]},
                )
            )
            await uow.commit()

    def _reprice(
        self,
        uow: ShopUnitOfWork,
        actor: Actor,
        variant: Variant,
        data: VariantPatch,
        now: datetime,
    ) -> None:
        assert data.price is not None
        old = variant.price_minor
        change = change_price(
            variant, data.price.amount, self._price_currency(data.price), actor.user_id, now
        )
        if change is None:
            return
        uow.catalog.add(change)
        uow.emit(
            DomainEvent(
                "variant.price_changed",
                variant.id,
                {
                    "variant_id": variant.id,
                    "product_id": variant.product_id,
                    "old_amount": old,
                    "new_amount": variant.price_minor,
                    "currency": variant.currency,
                    "version": variant.price_version,
                },
            )
        )

    async def _refuse_duplicate(
        self, uow: ShopUnitOfWork, product: Product, options: dict[str, str], own_id: str | None
    ) -> None:
        for other in await uow.catalog.variants_of(product.id):
            if other.id != own_id and same_options(other.options, options):
                raise DuplicateVariant(
                    "The product already has a variant with these options.",
                    details={"variant_id": other.id, "options": options},
                )


def _stock_changed(variant: Variant, delta: int) -> DomainEvent:
    return DomainEvent(
        "stock.changed",
        variant.id,
        {
            "variant_id": variant.id,
            "product_id": variant.product_id,
            "delta": delta,
            "on_hand": variant.on_hand,
            "reserved": variant.reserved,
        },
    )
