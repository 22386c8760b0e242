"""Access-token revocation behind a port: the database now, Redis (keys with a TTL) later.

Besides single tokens (by ``jti``), a whole login is revoked under :func:`family_key`: access
tokens carry their refresh family's id, so they stop working when that family is found leaked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from services.uow import ShopUnitOfWork


def family_key(family_id: str) -> str:
    """The revocation key refusing every access token of refresh family ``family_id``."""
    return f"fam:{family_id}"


class TokenRevocations(Protocol):
    """Remembers revoked access tokens (by ``jti``) until they would have expired anyway."""

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        """Refuse the token from now on."""
        ...

    async def is_revoked(self, *jtis: str) -> bool:
        """True when any of ``jtis`` (a token's jti, its family's key) was revoked."""
        ...


class SqlTokenRevocations:
    """Revocations in the ``revoked_access_tokens`` table."""

    def __init__(self, uow_factory: Callable[[], ShopUnitOfWork]) -> None:
        self._uow = uow_factory

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        """Store the revocation and drop those that have expired, so the table stays small."""
        async with self._uow() as uow:
            await uow.users.purge_revoked_access_tokens(uow.clock.now())
            await uow.users.revoke_access_token(jti, expires_at)
            await uow.commit()

    async def is_revoked(self, *jtis: str) -> bool:
        """True when the table holds any of ``jtis``."""
        async with self._uow() as uow:
            return await uow.users.is_access_token_revoked(*jtis)

    async def live(self) -> list[tuple[str, datetime]]:
        """``(jti, expires_at)`` of every revocation that has not expired yet."""
        async with self._uow() as uow:
            return await uow.users.live_revoked_access_tokens(uow.clock.now())
