"""What admins may do to accounts, and that nobody else may."""

from __future__ import annotations

import pytest

from services.kernel.errors import Forbidden
from services.kernel.pagination import PageRequest
from services.users.errors import CannotChangeOwnAccount, UserNotFound
from services.users.payment_schemas import GiftCardIssueIn
from services.users.schemas import RoleName
from tests.unit.users.conftest import Harness


@pytest.mark.parametrize("role", ["customer", "merchant"])
async def test_only_admins_manage_accounts(harness: Harness, role: RoleName) -> None:
    actor = await harness.register(role=role)
    target = await harness.register()
    service = harness.service
    for attempt in (
        service.list_users(actor, PageRequest()),
        service.inspect_user(actor, target.user_id),
        service.ban_user(actor, target.user_id),
        service.unban_user(actor, target.user_id),
        service.set_role(actor, target.user_id, "admin"),
        service.issue_gift_card(actor, GiftCardIssueIn(amount=100)),
    ):
        with pytest.raises(Forbidden):
            await attempt


async def test_users_are_listed_oldest_first_in_pages(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    for _ in range(4):
        harness.clock.advance(seconds=1)
        await harness.register()
    first = await harness.service.list_users(admin, PageRequest(page=1, page_size=2))
    third = await harness.service.list_users(admin, PageRequest(page=3, page_size=2))
    assert first.total == third.total == 5
    assert [user.id for user in first.items][0] == admin.user_id
    assert len(first.items) == 2
    assert len(third.items) == 1
    assert first.pages == 3


async def test_ban_and_unban_change_status_and_record_events(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    target = await harness.register()
    assert (await harness.service.ban_user(admin, target.user_id)).status == "banned"
    assert (await harness.service.ban_user(admin, target.user_id)).status == "banned"
    assert (await harness.service.unban_user(admin, target.user_id)).status == "active"
    types = [event.type for event in harness.store.events]
    assert types.count("user.banned") == 1
    assert types.count("user.unbanned") == 1


async def test_admin_makes_a_merchant(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    target = await harness.register()
    user = await harness.service.set_role(admin, target.user_id, "merchant")
    assert user.role == "merchant"
    assert (await harness.service.get_user(target.user_id)).role == "merchant"


async def test_admin_cannot_ban_or_demote_themselves(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    with pytest.raises(CannotChangeOwnAccount):
        await harness.service.ban_user(admin, admin.user_id)
    with pytest.raises(CannotChangeOwnAccount):
        await harness.service.set_role(admin, admin.user_id, "customer")


async def test_unknown_user_is_404(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    with pytest.raises(UserNotFound):
        await harness.service.ban_user(admin, "usr_missing")


async def test_find_by_email_ignores_case(harness: Harness) -> None:
    actor = await harness.register(email="find.me@example.com")
    found = await harness.service.find_by_email("Find.Me@EXAMPLE.com")
    assert found is not None
    assert found.id == actor.user_id
    assert await harness.service.find_by_email("nobody@example.com") is None
