"""The desk's lookups: finding the customer, and their profile, orders and the catalog."""

from __future__ import annotations

from services.catalog.errors import ProductNotFound
from services.kernel.actor import Actor
from services.kernel.pagination import PageRequest
from services.tau.desk_base import DeskBase
from services.tau.repository import TauRepository
from services.tau.views import Record, tau_order, tau_product, tau_user, tau_variant
from services.users.errors import UserNotFound

_PAGE = 100


class DeskReads(DeskBase):
    """τ's read tools over our services."""

    async def find_user_id_by_email(self, email: str) -> str:
        """The τ user id of the customer with this email (ignoring case); authenticates them."""
        user = await self._services.users.find_by_email(email.strip())
        if user is None or self._ids.users.tau_id(user.id) is None:
            raise UserNotFound("User not found", details={"email": email})
        return self._authenticate(user.id)

    async def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip_code: str) -> str:
        """The τ user id of the customer with this name and default-address zip code;
        authenticates them."""
        name = f"{first_name.strip()} {last_name.strip()}"
        async with self._services.uow() as uow:
            found = await TauRepository(uow.session).user_ids_by_name_zip(name, zip_code.strip())
        if not found:
            raise UserNotFound("User not found", details={"name": name, "zip": zip_code})
        return self._authenticate(found[0])

    async def get_user_details(self, user_id: str) -> Record:
        """The customer's profile: name, default address, email, payment methods, orders."""
        own, actor = self._user(user_id)
        users = self._services.users
        user = await users.get_user(own)
        addresses = await users.list_addresses(actor)
        default = next((a for a in addresses if a.is_default), None)
        methods = await users.list_payment_methods(actor)
        return tau_user(user, default, methods, await self._order_ids(actor), self._ids)

    async def _order_ids(self, actor: Actor) -> list[str]:
        """The customer's order ids, oldest first."""
        ids: list[str] = []
        page = 1
        while True:
            found = await self._services.orders.list(actor, PageRequest(page=page, page_size=_PAGE))
            ids.extend(order.id for order in found.items)
            if page * _PAGE >= found.total:
                break
            page += 1
        return list(reversed(ids))

    async def get_order_details(self, order_id: str) -> Record:
        """One of the customer's orders with items, status, fulfilment and payment history."""
        own, actor = self._order(order_id)
        return tau_order(await self._services.orders.get(actor, own), self._ids)

    async def get_product_details(self, product_id: str) -> Record:
        """A product type and all its items (options, availability, price)."""
        own = self._ids.products.our_id(product_id, ProductNotFound)
        product = await self._services.catalog.get_product(own)
        return tau_product(product.name, product_id, product.variants, self._ids)

    async def get_item_details(self, item_id: str) -> Record:
        """One item: options, availability and price."""
        variant = await self._services.catalog.get_variant(self._variant(item_id))
        return tau_variant(variant, self._ids)

    async def list_all_product_types(self) -> dict[str, str]:
        """Every product type's name and product id, by name."""
        names = self._ids.product_names
        return {name: product_id for product_id, name in sorted(names.items(), key=_by_name)}


def _by_name(pair: tuple[str, str]) -> str:
    return pair[1]
