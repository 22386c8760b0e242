"""The cart service: one cart per user, priced from the catalog at the moment it is read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError

from services.carts.errors import CartLineNotFound, InsufficientStock, VariantUnavailable
from services.carts.models import CartLine
from services.carts.rules import cart_out, check_quantity, is_sold, line_out, merged_quantity
from services.carts.schemas import CartLineOut, CartOut
from services.catalog.errors import VariantNotFound
from services.catalog.models import Product, Variant
from services.kernel.actor import Actor
from services.kernel.clock import Clock
from services.uow import ShopUnitOfWork


class CartService:
    """Add, change, remove and read the acting user's cart lines."""

    def __init__(
        self, uow_factory: Callable[[], ShopUnitOfWork], clock: Clock, *, currency: str = "USD"
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._currency = currency.upper()

    async def view(self, actor: Actor) -> CartOut:
        """The cart with line totals, the total, and flags on lines that cannot be bought."""
        return cart_out(await self.get_lines(actor), self._currency)

    async def get_lines(
        self, actor: Actor, variant_ids: Sequence[str] | None = None
    ) -> list[CartLineOut]:
        """The actor's priced lines (only ``variant_ids`` when given); used by checkout."""
        async with self._uow() as uow:
            return await self._priced_lines(uow, actor.user_id, variant_ids)

    async def add_item(self, actor: Actor, variant_id: str, quantity: int = 1) -> CartOut:
        """Put a variant in the cart, adding to its line if there is one (the sum stays <= 99)."""
        check_quantity(quantity, variant_id=variant_id)
        try:
            await self._add(actor, variant_id, quantity)
        except IntegrityError:
            # A concurrent request created the line first; adding again merges into it.
            await self._add(actor, variant_id, quantity)
        return await self.view(actor)

    async def set_quantity(self, actor: Actor, variant_id: str, quantity: int) -> CartOut:
        """Change a line's quantity; raising it needs the stock, lowering it always works."""
        check_quantity(quantity, variant_id=variant_id)
        async with self._uow() as uow:
            line = await self._line(uow, actor.user_id, variant_id)
            if quantity > line.quantity:
                variant, product = await self._variant(uow, variant_id, live_only=False)
                _ensure_can_buy(variant, product, quantity)
            line.quantity = quantity
            line.updated_at = self._clock.now()
            await uow.commit()
        return await self.view(actor)

    async def remove_item(self, actor: Actor, variant_id: str) -> CartOut:
        """Take a line out of the cart."""
        async with self._uow() as uow:
            await self._line(uow, actor.user_id, variant_id)
            await uow.carts.delete_lines(actor.user_id, [variant_id])
            await uow.commit()
        return await self.view(actor)

    async def clear(self, actor: Actor) -> CartOut:
        """Empty the cart."""
        async with self._uow() as uow:
            await uow.carts.delete_lines(actor.user_id)
            await uow.commit()
        return cart_out([], self._currency)

    async def remove_lines(
        self, uow: ShopUnitOfWork, user_id: str, variant_ids: Sequence[str]
    ) -> None:
        """Drop bought lines inside the caller's unit of work (no commit: checkout commits)."""
        if variant_ids:
            await uow.carts.delete_lines(user_id, variant_ids)

    async def _add(self, actor: Actor, variant_id: str, quantity: int) -> None:
        async with self._uow() as uow:
            variant, product = await self._variant(uow, variant_id)
            line = await uow.carts.get_line(actor.user_id, variant_id)
            in_cart = line.quantity if line is not None else 0
            wanted = merged_quantity(in_cart, quantity, variant_id=variant_id)
            _ensure_can_buy(variant, product, wanted)
            now = self._clock.now()
            if line is None:
                uow.carts.add(
                    CartLine(
                        user_id=actor.user_id,
                        variant_id=variant_id,
                        quantity=wanted,
                        added_at=now,
                        updated_at=now,
                    )
                )
            else:
                line.quantity = wanted
                line.updated_at = now
            await uow.carts.flush()
            await uow.commit()

    async def _variant(
        self, uow: ShopUnitOfWork, variant_id: str, *, live_only: bool = True
    ) -> tuple[Variant, Product]:
        """The variant and its product; deleted ones are unknown unless ``live_only`` is off."""
        found = await uow.catalog.variants_with_products([variant_id])
        variant, product = found.get(variant_id, (None, None))
        if variant is None or product is None:
            raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
        if live_only and not (variant.is_active and product.is_active):
            raise VariantNotFound("No such variant.", details={"variant_id": variant_id})
        return variant, product

    async def _line(self, uow: ShopUnitOfWork, user_id: str, variant_id: str) -> CartLine:
        line = await uow.carts.get_line(user_id, variant_id)
        if line is None:
            raise CartLineNotFound(
                "That variant is not in the cart.", details={"variant_id": variant_id}
            )
        return line

    async def _priced_lines(
        self, uow: ShopUnitOfWork, user_id: str, variant_ids: Sequence[str] | None
    ) -> list[CartLineOut]:
        lines = await uow.carts.lines(user_id, variant_ids)
        found = await uow.catalog.variants_with_products([line.variant_id for line in lines])
        return [line_out(line, *found[line.variant_id]) for line in lines]


def _ensure_can_buy(variant: Variant, product: Product, quantity: int) -> None:
    if not is_sold(variant, product):
        raise VariantUnavailable(
            "This variant is not available.", details={"variant_id": variant.id}
        )
    if quantity > variant.available:
        raise InsufficientStock(
            f"Only {variant.available} in stock.",
            details={"variant_id": variant.id, "available": variant.available, "wanted": quantity},
        )
