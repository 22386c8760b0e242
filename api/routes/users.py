"""The signed-in user's account, addresses and saved payment methods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.created import locate
from api.deps import CurrentUser, Services
from services.users.payment_schemas import PaymentMethodIn, PaymentMethodOut
from services.users.schemas import AddressIn, AddressOut, AddressPatch, UserOut

router = APIRouter(prefix="/users/me", tags=["users"])

ResourceId = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("")
async def get_me(container: Services, actor: CurrentUser) -> UserOut:
    """The signed-in user's account."""
    return await container.users.me(actor)


@router.get("/addresses")
async def list_addresses(container: Services, actor: CurrentUser) -> list[AddressOut]:
    """The signed-in user's addresses, oldest first."""
    return await container.users.list_addresses(actor)


@router.post("/addresses", status_code=status.HTTP_201_CREATED)
async def add_address(
    container: Services, actor: CurrentUser, body: AddressIn, response: Response
) -> AddressOut:
    """Save an address; the first one becomes the default."""
    address = await container.users.add_address(actor, body)
    locate(response, f"/users/me/addresses/{address.id}")
    return address


@router.patch("/addresses/{address_id}")
async def update_address(
    container: Services, actor: CurrentUser, address_id: ResourceId, body: AddressPatch
) -> AddressOut:
    """Change fields of one of the user's addresses."""
    return await container.users.update_address(actor, address_id, body)


@router.delete("/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_address(
    container: Services, actor: CurrentUser, address_id: ResourceId
) -> Response:
    """Remove an address; if it was the default, the oldest remaining one becomes the default."""
    await container.users.delete_address(actor, address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/addresses/{address_id}/default")
async def set_default_address(
    container: Services, actor: CurrentUser, address_id: ResourceId
) -> AddressOut:
    """Make an address the default one."""
    return await container.users.set_default_address(actor, address_id)


@router.get("/payment-methods")
async def list_payment_methods(container: Services, actor: CurrentUser) -> list[PaymentMethodOut]:
    """The user's active payment methods, with labels and gift card balances."""
    return await container.users.list_payment_methods(actor)


@router.post("/payment-methods", status_code=status.HTTP_201_CREATED)
async def add_payment_method(
    container: Services, actor: CurrentUser, body: PaymentMethodIn, response: Response
) -> PaymentMethodOut:
    """Save a card (tokenised at once), redeem a gift card code, or link a PayPal account."""
    method = await container.users.add_payment_method(actor, body)
    locate(response, f"/users/me/payment-methods/{method.id}")
    return method


@router.delete("/payment-methods/{payment_method_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_payment_method(
    container: Services, actor: CurrentUser, payment_method_id: ResourceId
) -> Response:
    """Remove (deactivate) a saved payment method."""
    await container.users.remove_payment_method(actor, payment_method_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
