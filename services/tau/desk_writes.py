"""The desk's actions: cancel, modify, return and exchange orders, change the default address.

Each is one call of our orders or users service acting as the customer; the service decides
(status, ownership, same product, availability, gift-card balance, refund destination). τ's
own argument checks that our shop has no rule for (the two cancellation reasons, matching list
lengths) are checked here before calling.

Our order lines swap or exchange every unit of an item the same way, so a request that names
only some units of a repeated item, or sends its units to different new items, is refused
(:class:`UnsupportedItemSplit`) where τ would split them.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.kernel.actor import Actor
from services.kernel.errors import ShopError
from services.orders.schemas import (
    ExchangeIn,
    ExchangeItemIn,
    ModifyOrderIn,
    ReturnIn,
    ReturnItemIn,
    SwapIn,
)
from services.tau.desk_reads import DeskReads
from services.tau.errors import InvalidCancelReason, ItemCountMismatch, UnsupportedItemSplit
from services.tau.views import Record, tau_order
from services.users.schemas import AddressIn, AddressOut, AddressPatch

CANCEL_REASONS = ("no longer needed", "ordered by mistake")
TRANSFERRED = "Transfer successful"


class DeskWrites(DeskReads):
    """τ's write tools over our services."""

    async def cancel_pending_order(self, order_id: str, reason: str) -> Record:
        """Cancel a paid, unshipped order; every payment is refunded to where it came from."""
        if reason not in CANCEL_REASONS:
            raise InvalidCancelReason(
                f"The reason must be one of: {', '.join(CANCEL_REASONS)}.",
                details={"reason": reason},
            )
        own, actor = self._order(order_id)
        return tau_order(await self._services.orders.cancel(actor, own, reason), self._ids)

    async def modify_pending_order_address(
        self,
        order_id: str,
        address1: str,
        address2: str,
        city: str,
        state: str,
        country: str,
        zip_code: str,
    ) -> Record:
        """Ship an unshipped order elsewhere. The address joins the customer's address book
        (an identical saved one is reused), and is removed again if the change is refused."""
        own, actor = self._order(order_id)
        fields = _address_fields(address1, address2, city, state, country, zip_code)
        address, added = await self._saved_address(actor, fields)
        try:
            order = await self._services.orders.modify(
                actor, own, ModifyOrderIn(address_id=address.id)
            )
        except ShopError:
            if added:
                await self._services.users.delete_address(actor, address.id)
            raise
        return tau_order(order, self._ids)

    async def modify_pending_order_items(
        self,
        order_id: str,
        item_ids: Sequence[str],
        new_item_ids: Sequence[str],
        payment_method_id: str,
    ) -> Record:
        """Swap items of an unshipped order for other items of the same products; the price
        difference is charged to or refunded on ``payment_method_id``."""
        own, actor = self._order(order_id)
        pairs = await self._pairs(actor, own, item_ids, new_item_ids, whole_items=True)
        data = ModifyOrderIn(
            items=[SwapIn(variant_id=old, new_variant_id=new) for old, new, _ in pairs],
            payment_method_id=self._method(actor, payment_method_id),
        )
        return tau_order(await self._services.orders.modify(actor, own, data), self._ids)

    async def modify_pending_order_payment(self, order_id: str, payment_method_id: str) -> Record:
        """Move an unshipped order's payment to another of the customer's methods."""
        own, actor = self._order(order_id)
        data = ModifyOrderIn(payment_method_id=self._method(actor, payment_method_id))
        return tau_order(await self._services.orders.modify(actor, own, data), self._ids)

    async def modify_user_address(
        self,
        user_id: str,
        address1: str,
        address2: str,
        city: str,
        state: str,
        country: str,
        zip_code: str,
    ) -> Record:
        """Replace the customer's default address."""
        _, actor = self._user(user_id)
        users = self._services.users
        fields = _address_fields(address1, address2, city, state, country, zip_code)
        current = next((a for a in await users.list_addresses(actor) if a.is_default), None)
        if current is None:
            user = await users.get_user(actor.user_id)
            await users.add_address(
                actor, AddressIn(recipient=user.name, is_default=True, **fields)
            )
        else:
            await users.update_address(actor, current.id, AddressPatch(**fields))
        return await self.get_user_details(user_id)

    async def return_delivered_order_items(
        self, order_id: str, item_ids: Sequence[str], payment_method_id: str
    ) -> Record:
        """Request a return of items of a delivered order; the refund goes to
        ``payment_method_id`` (the original method or a gift card) once they are back."""
        own, actor = self._order(order_id)
        data = ReturnIn(
            items=[
                ReturnItemIn(variant_id=self._variant(item), quantity=count)
                for item, count in self._counts(item_ids).items()
            ],
            payment_method_id=self._method(actor, payment_method_id),
        )
        await self._services.orders.request_return(actor, own, data)
        return tau_order(await self._services.orders.get(actor, own), self._ids)

    async def exchange_delivered_order_items(
        self,
        order_id: str,
        item_ids: Sequence[str],
        new_item_ids: Sequence[str],
        payment_method_id: str,
    ) -> Record:
        """Request an exchange of items of a delivered order for other items of the same
        products; ``payment_method_id`` pays or receives the price difference."""
        own, actor = self._order(order_id)
        pairs = await self._pairs(actor, own, item_ids, new_item_ids, whole_items=False)
        data = ExchangeIn(
            items=[
                ExchangeItemIn(variant_id=old, new_variant_id=new, quantity=count)
                for old, new, count in pairs
            ],
            payment_method_id=self._method(actor, payment_method_id),
        )
        await self._services.orders.request_exchange(actor, own, data)
        return tau_order(await self._services.orders.get(actor, own), self._ids)

    async def transfer_to_human_agents(self, summary: str) -> str:
        """Hand the conversation to a human (nothing changes in the shop)."""
        return TRANSFERRED

    async def _pairs(
        self,
        actor: Actor,
        order_id: str,
        item_ids: Sequence[str],
        new_item_ids: Sequence[str],
        *,
        whole_items: bool,
    ) -> list[tuple[str, str, int]]:
        """(old variant, new variant, units) per distinct old item, in our ids."""
        if len(item_ids) != len(new_item_ids):
            raise ItemCountMismatch(
                "The number of items to be exchanged should match.",
                details={"item_ids": len(item_ids), "new_item_ids": len(new_item_ids)},
            )
        targets: dict[str, str] = {}
        for old, new in zip(item_ids, new_item_ids, strict=True):
            if targets.setdefault(old, new) != new:
                raise UnsupportedItemSplit(
                    f"All units of item {old} must change to the same new item.",
                    details={"item_id": old},
                )
        counts = self._counts(item_ids)
        if whole_items:
            await self._require_whole_items(actor, order_id, counts)
        return [
            (self._variant(old), self._variant(new), counts[old]) for old, new in targets.items()
        ]

    async def _require_whole_items(
        self, actor: Actor, order_id: str, counts: dict[str, int]
    ) -> None:
        """Swapping changes every unit of an item: refuse naming only some of them."""
        order = await self._services.orders.get(actor, order_id)
        held: dict[str, int] = {}
        for line in order.lines:
            tau_id = self._ids.variants.tau_id(line.variant_id) or line.variant_id
            held[tau_id] = held.get(tau_id, 0) + line.quantity
        for item, count in counts.items():
            if 0 < count < held.get(item, 0):
                raise UnsupportedItemSplit(
                    f"The order has {held[item]} units of item {item}; all of them change "
                    "together.",
                    details={"item_id": item, "ordered": held[item], "named": count},
                )

    async def _saved_address(self, actor: Actor, fields: dict[str, str]) -> tuple[AddressOut, bool]:
        """An identical saved address of the customer, or a new one; and whether it is new."""
        users = self._services.users
        for address in await users.list_addresses(actor):
            if all(getattr(address, key) == value for key, value in fields.items()):
                return address, False
        user = await users.get_user(actor.user_id)
        return await users.add_address(actor, AddressIn(recipient=user.name, **fields)), True


def _address_fields(
    address1: str, address2: str, city: str, state: str, country: str, zip_code: str
) -> dict[str, str]:
    return {
        "line1": address1,
        "line2": address2,
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": country,
    }
