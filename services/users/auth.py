"""Authentication: login, rotating refresh tokens, logout, and resolving a bearer token.

A login starts a refresh-token *family*. Each refresh revokes the presented token and issues the
next one of the family; presenting a revoked token again means it leaked, so the whole family is
revoked, its access tokens included (they carry the family id, checked on every request).
Banned accounts get 403 ``account_banned`` rather than 401: the token is fine, the account is
not, and clients should not retry by logging in again.
"""

from __future__ import annotations

from datetime import datetime

from services.kernel.actor import Actor, RoleName
from services.kernel.ids import new_token
from services.uow import ShopUnitOfWork
from services.users.base import UsersBase
from services.users.errors import (
    AccountBanned,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    TokenRevoked,
)
from services.users.models import RefreshToken, Role, User, UserStatus
from services.users.revocations import family_key
from services.users.schemas import LoginIn, RefreshIn, TokenPair
from services.users.tokens import TokenClaims

_BAD_LOGIN = "Invalid email or password."
_ROLE_NAMES: dict[Role, RoleName] = {
    Role.CUSTOMER: "customer",
    Role.MERCHANT: "merchant",
    Role.ADMIN: "admin",
}


class AuthCommands(UsersBase):
    """Tokens in and out."""

    async def login(self, data: LoginIn, client: str = "local") -> TokenPair:
        """Exchange email and password for an access and a refresh token; ``client`` is the
        caller's address, which failed attempts are counted by (with the account)."""
        email = data.email.strip().lower()
        await self._login_throttle.check(email, client)
        try:
            user_id, new_hash = await self._check_password(email, data.password.get_secret_value())
        except InvalidCredentials:
            await self._login_throttle.failed(email, client)
            raise
        await self._login_throttle.succeeded(email, client)
        async with self._uow() as uow:
            user = await self._user(uow, user_id)
            now = self._clock.now()
            if new_hash is not None:
                user.password_hash = new_hash
                user.updated_at = now
            pair = self._issue_pair(uow, user, new_token(16), now)
            await uow.commit()
        return pair

    async def _check_password(self, email: str, password: str) -> tuple[str, str | None]:
        """The account's id, and a new hash when the stored one uses outdated parameters."""
        async with self._uow() as uow:
            found = await uow.users.get_user_by_email(email)
            account = None if found is None else (found.id, found.password_hash, found.status)
        # Hashing happens outside the transaction: on SQLite it holds the write lock.
        if account is None:
            # Spend the same time as for a real account, so timing does not reveal which exist.
            await self._verify_password(await self._dummy_password_hash(), password)
            raise InvalidCredentials(_BAD_LOGIN)
        user_id, password_hash, status = account
        if not await self._verify_password(password_hash, password):
            raise InvalidCredentials(_BAD_LOGIN)
        _refuse_banned(status)
        if self._hasher.needs_rehash(password_hash):
            return user_id, await self._hash_password(password)
        return user_id, None

    async def refresh(self, data: RefreshIn) -> TokenPair:
        """Rotate: revoke the presented refresh token and return a new pair of the same login."""
        now = self._clock.now()
        claims = self._tokens.decode(data.refresh_token, "refresh", now)
        async with self._uow() as uow:
            stored = await uow.users.get_refresh_token(claims.jti)
            if stored is None or stored.user_id != claims.user_id:
                raise InvalidToken("This refresh token is not known.")
            user = await uow.users.get_user(stored.user_id)
            if user is None:
                raise InvalidToken("The account of this token no longer exists.")
            _refuse_banned(user.status)
            family_id, pair, live = stored.family_id, None, 0
            if await uow.users.revoke_refresh_token(stored.id, now):
                pair = self._issue_pair(uow, user, family_id, now)
            else:
                live = await uow.users.revoke_refresh_family(family_id, now)
            await uow.commit()
        if pair is not None:
            return pair
        if not live:
            raise TokenRevoked("This refresh token has been revoked.")
        # Access tokens of the family live at most access_ttl past the newest one, issued by now.
        await self._revocations.revoke(family_key(family_id), now + self._tokens.access_ttl)
        raise RefreshTokenReused(
            "This refresh token was already used; every session of this login has been signed out."
        )

    async def logout(self, access_token: str, refresh_token: str | None = None) -> None:
        """Revoke the access token and, when given, the refresh token's whole login."""
        now = self._clock.now()
        access = await self._verify_access(access_token, now)
        if refresh_token is not None:
            refresh = self._tokens.decode(refresh_token, "refresh", now)
            if refresh.user_id != access.user_id:
                raise InvalidToken("The refresh token belongs to another account.")
            async with self._uow() as uow:
                stored = await uow.users.get_refresh_token(refresh.jti)
                if stored is not None:
                    await uow.users.revoke_refresh_family(stored.family_id, now)
                    await uow.commit()
        await self._revocations.revoke(access.jti, access.expires_at)

    async def authenticate(self, access_token: str) -> Actor:
        """The actor of a bearer token: valid, not revoked, and its account exists and is active.

        The role comes from the database, not the token, so role changes and bans apply at once.
        """
        claims = await self._verify_access(access_token, self._clock.now())
        async with self._uow() as uow:
            user = await uow.users.get_user(claims.user_id)
            if user is None:
                raise InvalidToken("The account of this token no longer exists.")
            _refuse_banned(user.status)
            return Actor(user_id=user.id, role=_ROLE_NAMES[user.role])

    async def _verify_access(self, token: str, now: datetime) -> TokenClaims:
        claims = self._tokens.decode(token, "access", now)
        keys = (
            [claims.jti] if claims.family_id is None else [claims.jti, family_key(claims.family_id)]
        )
        if await self._revocations.is_revoked(*keys):
            raise TokenRevoked("This access token has been revoked; log in again.")
        return claims

    def _issue_pair(
        self, uow: ShopUnitOfWork, user: User, family_id: str, now: datetime
    ) -> TokenPair:
        access = self._tokens.issue_access(user.id, user.role.value, now, family_id)
        refresh = self._tokens.issue_refresh(user.id, family_id, now)
        uow.users.add(
            RefreshToken(
                id=refresh.jti,
                user_id=user.id,
                family_id=family_id,
                issued_at=now,
                expires_at=refresh.expires_at,
            )
        )
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self._tokens.access_ttl.total_seconds()),
        )

    async def _dummy_password_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hash_password(new_token(16))
        return self._dummy_hash


def _refuse_banned(status: UserStatus) -> None:
    if status is UserStatus.BANNED:
        raise AccountBanned("This account is banned.")
