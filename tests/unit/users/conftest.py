"""A UserService over in-memory fakes, a frozen clock and the mock payment gateway."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest

from services.kernel.actor import Actor
from services.kernel.clock import FrozenClock
from services.kernel.lockout import InMemoryFailureCounter, LockoutPolicy
from services.payments.gateway import MockPaymentGateway
from services.users.login_throttle import LoginThrottle
from services.users.passwords import Argon2PasswordHasher
from services.users.schemas import LoginIn, RegisterIn, RoleName, TokenPair
from services.users.service import UserService
from services.users.tokens import TokenCodec
from tests.unit.users.fakes import FakeRevocations, FakeStore, FakeUnitOfWork

SECRET = "unit-test-secret-that-is-long-enough-000"
PASSWORD = "correct horse"
LOGIN_LIMIT = 5
_emails = itertools.count(1)


@dataclass
class Harness:
    """The service under test and the fakes behind it."""

    service: UserService
    store: FakeStore
    clock: FrozenClock
    revocations: FakeRevocations
    gateway: MockPaymentGateway
    tokens: TokenCodec

    async def register(self, role: RoleName = "customer", email: str | None = None) -> Actor:
        """A new account of ``role``, as the actor it acts as."""
        data = RegisterIn(
            email=email or f"user{next(_emails)}@example.com", password=PASSWORD, name="U"
        )
        user = await self.service.create_user(data, role)
        return Actor(user.id, role)

    async def login(self, actor: Actor) -> TokenPair:
        """Log ``actor`` in with the shared test password."""
        user = await self.service.get_user(actor.user_id)
        return await self.service.login(LoginIn(email=user.email, password=PASSWORD))


@pytest.fixture
def harness() -> Harness:
    """A fresh service with an empty store; the clock stands at 2026-01-01."""
    clock = FrozenClock()
    store = FakeStore()
    revocations = FakeRevocations()
    gateway = MockPaymentGateway(clock)
    tokens = TokenCodec(SECRET, "HS256", timedelta(minutes=15), timedelta(days=14))
    service = UserService(
        lambda: FakeUnitOfWork(store, clock),  # type: ignore[arg-type,return-value]
        clock,
        hasher=Argon2PasswordHasher(fast=True),
        tokens=tokens,
        revocations=revocations,
        login_throttle=LoginThrottle(
            InMemoryFailureCounter(clock),
            clock,
            per_client=LockoutPolicy(LOGIN_LIMIT * 4, 60, 900, 900),
            per_account_client=LockoutPolicy(LOGIN_LIMIT, 60, 900, 900),
            per_account=LockoutPolicy(LOGIN_LIMIT * 10, 1, 30, 900),
        ),
        gateway=gateway,
        currency="USD",
    )
    return Harness(service, store, clock, revocations, gateway, tokens)
