"""``domtok tau export``: the shop's τ records back in ``db.json``'s shape.

Bulk reads (one query per table) feed the same view functions the desk's tools use, so an
export right after an import reproduces ``db.json`` for every record (see
:mod:`services.tau.compare` for the normalisation applied when comparing). An export can be
limited to some records (``scope``), which is how a replay exports only what a task touched.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from services.catalog.views import variant_out
from services.orders.views import order_out
from services.tau.ids import TauIds, load_ids
from services.tau.repository import TauRepository
from services.tau.views import Record, tau_order, tau_product, tau_user
from services.uow import ShopUnitOfWork
from services.users.models import PaymentMethod
from services.users.views import address_out, payment_method_out, user_out

Document = dict[str, dict[str, Record]]


@dataclass(frozen=True)
class Scope:
    """Our ids of the records to export per kind (None: all of that kind)."""

    orders: Collection[str] | None = None
    users: Collection[str] | None = None
    products: Collection[str] | None = None


class TauExporter:
    """Writes the database's τ records as a τ retail document."""

    def __init__(self, uow_factory: Callable[[], ShopUnitOfWork]) -> None:
        self._uow = uow_factory

    async def export(self, ids: TauIds | None = None, scope: Scope | None = None) -> Document:
        """``{"products", "users", "orders"}`` keyed by τ id, in import order."""
        ids = ids or await load_ids(self._uow)
        scope = scope or Scope()
        async with self._uow() as uow:
            repo = TauRepository(uow.session)
            products = await _products(repo, ids, scope.products)
            orders = await _orders(uow, repo, ids, scope.orders)
            users = await _users(repo, ids, scope.users)
        return {"products": products, "users": users, "orders": orders}


async def _products(
    repo: TauRepository, ids: TauIds, only: Collection[str] | None
) -> dict[str, Record]:
    grouped: dict[str, tuple[str, list[Any]]] = {}
    for variant, product, _ in await repo.variants(only):
        tau_id = str(product.external_id)
        grouped.setdefault(tau_id, (product.name, []))[1].append(variant_out(variant))
    return {
        tau_id: tau_product(name, tau_id, variants, ids)
        for tau_id, (name, variants) in grouped.items()
    }


async def _orders(
    uow: ShopUnitOfWork, repo: TauRepository, ids: TauIds, only: Collection[str] | None
) -> dict[str, Record]:
    rows = await repo.tau_orders(only)
    order_ids = [order.id for order in rows]
    entries = await uow.payments.entries_for_orders(order_ids)
    returns = await uow.orders.returns_for(order_ids)
    records: dict[str, Record] = {}
    for order in rows:
        record = tau_order(order_out(order, entries[order.id], returns[order.id]), ids)
        records[record["order_id"]] = record
    return records


async def _users(
    repo: TauRepository, ids: TauIds, only: Collection[str] | None
) -> dict[str, Record]:
    methods: dict[str, list[PaymentMethod]] = {}
    for method, _ in await repo.methods(only):
        methods.setdefault(method.user_id, []).append(method)
    cards = await repo.gift_cards(
        [m.gift_card_id for group in methods.values() for m in group if m.gift_card_id]
    )
    orders: dict[str, list[str]] = {}
    for user_id, order_id in await repo.order_ids_by_user(only):
        orders.setdefault(user_id, []).append(order_id)
    records: dict[str, Record] = {}
    for user, address in await repo.users_with_addresses(only):
        wallet = [
            payment_method_out(m, cards.get(m.gift_card_id or "")) for m in methods.get(user.id, [])
        ]
        record = tau_user(
            user_out(user),
            address_out(address) if address else None,
            wallet,
            orders.get(user.id, []),
            ids,
        )
        records[record["user_id"]] = record
    return records
