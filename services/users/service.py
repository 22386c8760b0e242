"""The user service: one object the API, the CLI, the agent's tools and other contexts call.

Built with ``UserService(uow_factory, clock, hasher=..., tokens=..., revocations=...,
login_throttle=..., gateway=..., currency=...)``; see :class:`~services.users.base.UsersBase`.

For other contexts: :meth:`authenticate`, :meth:`get_user`, :meth:`find_by_email`,
:meth:`get_address` (the actor's, else 404) and :meth:`get_payment_method` (the actor's active
method with its provider token or gift card id). Gift card balances are debited and credited
through ``uow.users.debit_gift_card`` / ``credit_gift_card`` inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from config.settings import Settings
from services.kernel.clock import Clock
from services.kernel.lockout import InMemoryFailureCounter
from services.payments.gateway import PaymentGateway
from services.uow import ShopUnitOfWork
from services.users.accounts import AccountCommands, AdminCommands
from services.users.addresses import AddressCommands
from services.users.auth import AuthCommands
from services.users.login_throttle import LoginThrottle, build_login_throttle
from services.users.passwords import Argon2PasswordHasher
from services.users.payment_methods import PaymentMethodCommands
from services.users.revocations import SqlTokenRevocations, TokenRevocations
from services.users.tokens import TokenCodec


class UserService(
    AuthCommands, AccountCommands, AdminCommands, AddressCommands, PaymentMethodCommands
):
    """Accounts, authentication, roles and bans, addresses and saved payment methods."""


def build_user_service(
    settings: Settings,
    uow_factory: Callable[[], ShopUnitOfWork],
    clock: Clock,
    gateway: PaymentGateway,
    *,
    revocations: TokenRevocations | None = None,
    login_throttle: LoginThrottle | None = None,
) -> UserService:
    """The user service; revocations and the login throttle default to SQL and in-process."""
    return UserService(
        uow_factory,
        clock,
        hasher=Argon2PasswordHasher(fast=settings.environment == "test"),
        tokens=TokenCodec(
            settings.jwt_secret,
            settings.jwt_algorithm,
            access_ttl=timedelta(minutes=settings.access_token_minutes),
            refresh_ttl=timedelta(days=settings.refresh_token_days),
        ),
        revocations=revocations or SqlTokenRevocations(uow_factory),
        login_throttle=login_throttle
        or build_login_throttle(settings, InMemoryFailureCounter(clock), clock),
        gateway=gateway,
        currency=settings.currency,
    )
