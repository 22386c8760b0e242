"""A user's shipping addresses; exactly one is the default while any exist."""

from __future__ import annotations

from services.kernel.actor import Actor
from services.kernel.ids import new_id
from services.uow import ShopUnitOfWork
from services.users.base import UsersBase
from services.users.errors import AddressNotFound, LimitReached
from services.users.models import Address
from services.users.schemas import AddressIn, AddressOut, AddressPatch
from services.users.views import address_out

MAX_ADDRESSES = 50


class AddressCommands(UsersBase):
    """Add, change, remove and choose the default address; another user's address is a 404."""

    async def list_addresses(self, actor: Actor) -> list[AddressOut]:
        """The actor's addresses, oldest first."""
        async with self._uow() as uow:
            addresses = await uow.users.list_addresses(actor.user_id)
            return [address_out(address) for address in addresses]

    async def get_address(self, actor: Actor, address_id: str) -> AddressOut:
        """One of the actor's addresses (404 if missing or someone else's)."""
        async with self._uow() as uow:
            return address_out(await self._owned_address(uow, actor, address_id))

    async def add_address(self, actor: Actor, data: AddressIn) -> AddressOut:
        """Save an address; the first one, or one sent with ``is_default``, becomes the default."""
        async with self._uow() as uow:
            existing = await uow.users.list_addresses(actor.user_id)
            if len(existing) >= MAX_ADDRESSES:
                raise LimitReached(f"An account can keep at most {MAX_ADDRESSES} addresses.")
            is_default = data.is_default or not existing
            if is_default:
                _clear_default(existing)
            now = self._clock.now()
            address = Address(
                id=new_id("adr"),
                user_id=actor.user_id,
                **data.model_dump(exclude={"is_default"}),
                is_default=is_default,
                created_at=now,
                updated_at=now,
            )
            uow.users.add(address)
            await uow.commit()
        return address_out(address)

    async def update_address(self, actor: Actor, address_id: str, data: AddressPatch) -> AddressOut:
        """Change some fields of an address."""
        async with self._uow() as uow:
            address = await self._owned_address(uow, actor, address_id)
            changes = data.changes()
            if changes:
                for field, value in changes.items():
                    setattr(address, field, value)
                address.updated_at = self._clock.now()
                await uow.commit()
            return address_out(address)

    async def delete_address(self, actor: Actor, address_id: str) -> None:
        """Remove an address; if it was the default, the oldest remaining one takes over."""
        async with self._uow() as uow:
            address = await self._owned_address(uow, actor, address_id)
            await uow.users.delete_address(address)
            if address.is_default:
                remaining = [
                    other
                    for other in await uow.users.list_addresses(actor.user_id)
                    if other.id != address.id
                ]
                if remaining:
                    remaining[0].is_default = True
                    remaining[0].updated_at = self._clock.now()
            await uow.commit()

    async def set_default_address(self, actor: Actor, address_id: str) -> AddressOut:
        """Make an address the default one."""
        async with self._uow() as uow:
            address = await self._owned_address(uow, actor, address_id)
            if not address.is_default:
                _clear_default(await uow.users.list_addresses(actor.user_id))
                address.is_default = True
                address.updated_at = self._clock.now()
                await uow.commit()
            return address_out(address)

    async def _owned_address(self, uow: ShopUnitOfWork, actor: Actor, address_id: str) -> Address:
        address = await uow.users.get_address(actor.user_id, address_id)
        if address is None:
            raise AddressNotFound("No such address.", details={"address_id": address_id})
        return address


def _clear_default(addresses: list[Address]) -> None:
    for address in addresses:
        address.is_default = False
