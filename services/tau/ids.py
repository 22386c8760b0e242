"""τ ids and ours, both ways, for the records the import brought in.

Loaded once per desk (a conversation or a replayed task): τ records are never created or
re-keyed after the import, so the maps cannot go stale within one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from services.kernel.errors import NotFound
from services.tau.repository import TauRepository
from services.uow import ShopUnitOfWork


@dataclass
class IdMap:
    """τ id <-> our id of one kind of record."""

    kind: str
    ours: dict[str, str] = field(default_factory=dict)
    tau: dict[str, str] = field(default_factory=dict)

    def add(self, own: str, tau: str) -> None:
        """Record one pair."""
        self.ours[tau] = own
        self.tau[own] = tau

    def our_id(self, tau: str, error: type[NotFound] = NotFound) -> str:
        """Our id for a τ id; ``error`` (404) when τ has no such record."""
        own = self.ours.get(tau)
        if own is None:
            raise error(f"{self.kind.capitalize()} not found", details={f"{self.kind}_id": tau})
        return own

    def tau_id(self, own: str) -> str | None:
        """The τ id of one of our records (None for records τ does not know)."""
        return self.tau.get(own)


@dataclass
class TauIds:
    """Every τ id the database holds."""

    users: IdMap = field(default_factory=lambda: IdMap("user"))
    orders: IdMap = field(default_factory=lambda: IdMap("order"))
    products: IdMap = field(default_factory=lambda: IdMap("product"))
    variants: IdMap = field(default_factory=lambda: IdMap("item"))
    # our order id -> our owner id; our variant id -> our product id
    order_owner: dict[str, str] = field(default_factory=dict)
    variant_product: dict[str, str] = field(default_factory=dict)
    # (our user id, τ method id) -> our method id, and our method id -> τ method id
    methods: dict[tuple[str, str], str] = field(default_factory=dict)
    method_tau: dict[str, str] = field(default_factory=dict)
    # τ product id -> product name
    product_names: dict[str, str] = field(default_factory=dict)

    def method_id(self, user_id: str, tau_method: str) -> str | None:
        """Our id of a user's τ payment method (None when they have no such)."""
        return self.methods.get((user_id, tau_method))


async def load_ids(uow_factory: Callable[[], ShopUnitOfWork]) -> TauIds:
    """Read every τ id pair in one transaction."""
    ids = TauIds()
    async with uow_factory() as uow:
        repo = TauRepository(uow.session)
        for own, tau in await repo.users():
            ids.users.add(own, tau)
        for own, tau, owner in await repo.orders():
            ids.orders.add(own, tau)
            ids.order_owner[own] = owner
        for variant, product, _ in await repo.variants():
            ids.variants.add(variant.id, str(variant.external_id))
            ids.products.add(product.id, str(product.external_id))
            ids.variant_product[variant.id] = product.id
            ids.product_names[str(product.external_id)] = product.name
        for method, _ in await repo.methods():
            ids.methods[(method.user_id, str(method.external_id))] = method.id
            ids.method_tau[method.id] = str(method.external_id)
    return ids
