"""Admin operations on accounts and gift cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import CurrentUser, Paging, Services
from services.kernel.pagination import Page
from services.users.payment_schemas import GiftCardIssueIn, GiftCardOut
from services.users.schemas import RoleIn, UserOut

router = APIRouter(prefix="/admin", tags=["admin"])

UserId = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/users")
async def list_users(container: Services, actor: CurrentUser, paging: Paging) -> Page[UserOut]:
    """Every account, oldest first, one page at a time (admins only)."""
    return await container.users.list_users(actor, paging)


@router.get("/users/{user_id}")
async def get_user(container: Services, actor: CurrentUser, user_id: UserId) -> UserOut:
    """One account (admins only)."""
    return await container.users.inspect_user(actor, user_id)


@router.patch("/users/{user_id}")
async def set_role(
    container: Services, actor: CurrentUser, user_id: UserId, body: RoleIn
) -> UserOut:
    """Change a user's role, e.g. make them a merchant (admins only)."""
    return await container.users.set_role(actor, user_id, body.role)


@router.post("/users/{user_id}/ban")
async def ban_user(container: Services, actor: CurrentUser, user_id: UserId) -> UserOut:
    """Ban an account; its tokens stop working at once (admins only)."""
    return await container.users.ban_user(actor, user_id)


@router.post("/users/{user_id}/unban")
async def unban_user(container: Services, actor: CurrentUser, user_id: UserId) -> UserOut:
    """Lift a ban (admins only)."""
    return await container.users.unban_user(actor, user_id)


@router.post("/gift-cards", status_code=status.HTTP_201_CREATED)
async def issue_gift_card(
    container: Services, actor: CurrentUser, body: GiftCardIssueIn
) -> GiftCardOut:
    """Issue a gift card worth ``amount`` minor units; the response holds its code (admins only)."""
    return await container.users.issue_gift_card(actor, body)
