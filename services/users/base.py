"""Collaborators of :class:`~services.users.service.UserService` and the lookups its parts share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.kernel.clock import Clock
from services.payments.gateway import PaymentGateway
from services.uow import ShopUnitOfWork
from services.users.errors import UserNotFound
from services.users.login_throttle import LoginThrottle
from services.users.models import User
from services.users.passwords import PasswordHasher
from services.users.revocations import TokenRevocations
from services.users.tokens import TokenCodec


class UsersBase:
    """What every part of the user service works with."""

    def __init__(
        self,
        uow_factory: Callable[[], ShopUnitOfWork],
        clock: Clock,
        *,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        revocations: TokenRevocations,
        login_throttle: LoginThrottle,
        gateway: PaymentGateway,
        currency: str = "USD",
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._revocations = revocations
        self._login_throttle = login_throttle
        self._gateway = gateway
        self._currency = currency.upper()
        self._dummy_hash: str | None = None

    async def _user(self, uow: ShopUnitOfWork, user_id: str) -> User:
        user = await uow.users.get_user(user_id)
        if user is None:
            raise UserNotFound("No such user.", details={"user_id": user_id})
        return user

    async def _hash_password(self, password: str) -> str:
        # argon2 is deliberately slow and CPU-bound: keep it off the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def _verify_password(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._hasher.verify, password_hash, password)
