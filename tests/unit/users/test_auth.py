"""Registration, login, rotating refresh tokens, logout and resolving bearer tokens."""

from __future__ import annotations

import pytest

from services.users.errors import (
    AccountBanned,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    TokenExpired,
    TokenRevoked,
    TooManyLoginAttempts,
    WrongTokenType,
)
from services.users.models import RefreshToken, User
from services.users.passwords import Argon2PasswordHasher
from services.users.schemas import LoginIn, RefreshIn, RegisterIn
from tests.unit.users.conftest import LOGIN_LIMIT, PASSWORD, Harness


def _login(email: str, password: str = PASSWORD) -> LoginIn:
    return LoginIn(email=email, password=password)


async def test_register_stores_a_lower_cased_email_and_an_argon2_hash(harness: Harness) -> None:
    data = RegisterIn(email="Ann.Lee@Example.COM", password=PASSWORD, name=" Ann ")
    user = await harness.service.register(data)
    stored = harness.store.tables[User][user.id]
    assert (user.email, user.name, user.role, user.status) == (
        "ann.lee@example.com",
        "Ann",
        "customer",
        "active",
    )
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert [event.type for event in harness.store.events] == ["user.registered"]


async def test_email_is_unique_ignoring_case(harness: Harness) -> None:
    await harness.register(email="ann@example.com")
    with pytest.raises(EmailTaken):
        await harness.register(email="ANN@example.com")


async def test_login_returns_bearer_pair_that_authenticates(harness: Harness) -> None:
    actor = await harness.register(role="merchant")
    pair = await harness.login(actor)
    assert pair.token_type == "bearer"
    assert pair.expires_in == 15 * 60
    assert await harness.service.authenticate(pair.access_token) == actor


async def test_login_ignores_email_case(harness: Harness) -> None:
    await harness.register(email="case@example.com")
    pair = await harness.service.login(_login("CASE@Example.com"))
    assert pair.access_token


async def test_wrong_password_and_unknown_email_fail_alike(harness: Harness) -> None:
    await harness.register(email="ann@example.com")
    with pytest.raises(InvalidCredentials) as wrong:
        await harness.service.login(_login("ann@example.com", "wrong password"))
    with pytest.raises(InvalidCredentials) as unknown:
        await harness.service.login(_login("nobody@example.com"))
    assert wrong.value.message == unknown.value.message


async def test_login_attempts_are_limited_per_email_per_minute(harness: Harness) -> None:
    await harness.register(email="ann@example.com")
    for _ in range(LOGIN_LIMIT):
        with pytest.raises(InvalidCredentials):
            await harness.service.login(_login("ann@example.com", "wrong password"))
    with pytest.raises(TooManyLoginAttempts) as caught:
        await harness.service.login(_login("ANN@example.com"))
    assert caught.value.status_code == 429
    harness.clock.advance(minutes=1)
    assert (await harness.service.login(_login("ann@example.com"))).access_token


async def test_login_limit_of_one_email_does_not_block_another(harness: Harness) -> None:
    await harness.register(email="bob@example.com")
    for _ in range(LOGIN_LIMIT + 1):
        with pytest.raises((InvalidCredentials, TooManyLoginAttempts)):
            await harness.service.login(_login("ann@example.com"))
    assert (await harness.service.login(_login("bob@example.com"))).access_token


async def test_login_upgrades_a_hash_made_with_old_parameters(harness: Harness) -> None:
    actor = await harness.register()
    user = harness.store.tables[User][actor.user_id]
    user.password_hash = Argon2PasswordHasher().hash(PASSWORD)
    await harness.login(actor)
    assert not Argon2PasswordHasher(fast=True).needs_rehash(user.password_hash)


async def test_refresh_rotates_and_revokes_the_presented_token(harness: Harness) -> None:
    actor = await harness.register()
    first = await harness.login(actor)
    second = await harness.service.refresh(RefreshIn(refresh_token=first.refresh_token))
    assert second.refresh_token != first.refresh_token
    assert await harness.service.authenticate(second.access_token) == actor
    third = await harness.service.refresh(RefreshIn(refresh_token=second.refresh_token))
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)
    rows = harness.store.rows(RefreshToken)
    assert len(rows) == 3
    assert len({row.family_id for row in rows}) == 1
    assert sum(row.revoked_at is None for row in rows) == 1


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(harness: Harness) -> None:
    actor = await harness.register()
    first = await harness.login(actor)
    second = await harness.service.refresh(RefreshIn(refresh_token=first.refresh_token))
    with pytest.raises(RefreshTokenReused):
        await harness.service.refresh(RefreshIn(refresh_token=first.refresh_token))
    with pytest.raises(TokenRevoked):
        await harness.service.refresh(RefreshIn(refresh_token=second.refresh_token))


async def test_reuse_detection_leaves_other_logins_alone(harness: Harness) -> None:
    actor = await harness.register()
    stolen = await harness.login(actor)
    other_device = await harness.login(actor)
    await harness.service.refresh(RefreshIn(refresh_token=stolen.refresh_token))
    with pytest.raises(RefreshTokenReused):
        await harness.service.refresh(RefreshIn(refresh_token=stolen.refresh_token))
    assert await harness.service.refresh(RefreshIn(refresh_token=other_device.refresh_token))


async def test_access_token_cannot_be_used_to_refresh(harness: Harness) -> None:
    pair = await harness.login(await harness.register())
    with pytest.raises(WrongTokenType):
        await harness.service.refresh(RefreshIn(refresh_token=pair.access_token))


async def test_refresh_token_cannot_be_used_as_bearer(harness: Harness) -> None:
    pair = await harness.login(await harness.register())
    with pytest.raises(WrongTokenType):
        await harness.service.authenticate(pair.refresh_token)


async def test_refresh_token_expires_after_its_lifetime(harness: Harness) -> None:
    pair = await harness.login(await harness.register())
    harness.clock.advance(days=14)
    with pytest.raises(TokenExpired):
        await harness.service.refresh(RefreshIn(refresh_token=pair.refresh_token))


async def test_access_token_expires_after_its_lifetime(harness: Harness) -> None:
    pair = await harness.login(await harness.register())
    harness.clock.advance(minutes=15)
    with pytest.raises(TokenExpired):
        await harness.service.authenticate(pair.access_token)


async def test_logout_revokes_access_and_refresh_tokens(harness: Harness) -> None:
    pair = await harness.login(await harness.register())
    await harness.service.logout(pair.access_token, pair.refresh_token)
    with pytest.raises(TokenRevoked):
        await harness.service.authenticate(pair.access_token)
    with pytest.raises(TokenRevoked):
        await harness.service.refresh(RefreshIn(refresh_token=pair.refresh_token))


async def test_logout_without_refresh_token_keeps_the_session_refreshable(
    harness: Harness,
) -> None:
    pair = await harness.login(await harness.register())
    await harness.service.logout(pair.access_token)
    assert len(harness.revocations.revoked) == 1
    assert await harness.service.refresh(RefreshIn(refresh_token=pair.refresh_token))


async def test_logout_refuses_someone_elses_refresh_token(harness: Harness) -> None:
    mine = await harness.login(await harness.register())
    theirs = await harness.login(await harness.register())
    with pytest.raises(InvalidToken):
        await harness.service.logout(mine.access_token, theirs.refresh_token)
    assert await harness.service.refresh(RefreshIn(refresh_token=theirs.refresh_token))


async def test_banned_user_cannot_log_in_and_tokens_stop_at_once(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    actor = await harness.register()
    pair = await harness.login(actor)
    await harness.service.ban_user(admin, actor.user_id)
    with pytest.raises(AccountBanned) as caught:
        await harness.service.authenticate(pair.access_token)
    assert caught.value.status_code == 403
    with pytest.raises(AccountBanned):
        await harness.login(actor)
    with pytest.raises(AccountBanned):
        await harness.service.refresh(RefreshIn(refresh_token=pair.refresh_token))


async def test_ban_revokes_refresh_tokens_so_unban_needs_a_new_login(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    actor = await harness.register()
    pair = await harness.login(actor)
    await harness.service.ban_user(admin, actor.user_id)
    await harness.service.unban_user(admin, actor.user_id)
    with pytest.raises(TokenRevoked):
        await harness.service.refresh(RefreshIn(refresh_token=pair.refresh_token))
    assert await harness.service.authenticate((await harness.login(actor)).access_token)


async def test_role_change_applies_to_existing_tokens(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    actor = await harness.register()
    pair = await harness.login(actor)
    await harness.service.set_role(admin, actor.user_id, "merchant")
    assert (await harness.service.authenticate(pair.access_token)).role == "merchant"


async def test_token_of_a_deleted_account_is_invalid(harness: Harness) -> None:
    actor = await harness.register()
    pair = await harness.login(actor)
    del harness.store.tables[User][actor.user_id]
    with pytest.raises(InvalidToken):
        await harness.service.authenticate(pair.access_token)
