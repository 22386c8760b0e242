"""Password guessing is slowed per client address and per account, with exponential lockout,
and without letting a stranger lock the owner out: the login limiter used to count per email
only, so a few wrong passwords from anywhere locked the owner out, while spraying one password
over many emails was never slowed. Every 429 says when to come back (``Retry-After``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from api.app import create_app
from api.errors import install_error_handlers
from config.settings import Settings
from services.bootstrap import Container
from services.kernel.clock import FrozenClock
from services.kernel.lockout import InMemoryFailureCounter, LockoutPolicy
from services.orders.errors import TooManyRefundRequests
from services.users.errors import TooManyLoginAttempts
from services.users.login_throttle import LoginThrottle
from tests.conftest import make_settings
from tests.e2e.accounts import PASSWORD, sign_up

WRONG = "wrong password"
Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Small limits, so each test reaches them in a few requests."""
    return make_settings(
        tmp_path,
        database_url=database_url,
        login_failures_per_client=8,
        login_failures_per_account_client=3,
        login_failures_per_account=6,
        login_account_lockout_max_seconds=5,
    )


@pytest.fixture
def from_address(container: Container) -> Client:
    """A client of the app whose requests come from the given address."""

    @asynccontextmanager
    async def open_client(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=create_app(container=container), client=(address, 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as http:
            yield http

    return open_client


async def _login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/login", json={"email": email, "password": password})


async def test_a_stranger_guessing_cannot_lock_the_owner_out(
    from_address: Client, settings: Settings
) -> None:
    async with from_address("198.51.100.7") as attacker, from_address("203.0.113.5") as owner:
        session = await sign_up(owner)
        for _ in range(settings.login_failures_per_account_client):
            assert (await _login(attacker, session.email, WRONG)).status_code == 401
        refused = await _login(attacker, session.email, PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert (await _login(owner, session.email, PASSWORD)).status_code == 200


async def test_spraying_one_password_over_many_emails_is_locked_per_address(
    from_address: Client, settings: Settings
) -> None:
    async with from_address("198.51.100.8") as sprayer, from_address("203.0.113.6") as other:
        for n in range(settings.login_failures_per_client):
            assert (await _login(sprayer, f"victim{n}@example.com", WRONG)).status_code == 401
        refused = await _login(sprayer, "victim-next@example.com", WRONG)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_login_attempts"
        assert int(refused.headers["Retry-After"]) >= 1
        assert (await _login(other, "victim-next@example.com", WRONG)).status_code == 401


async def test_failures_from_many_addresses_delay_the_owner_only_briefly(
    from_address: Client, settings: Settings
) -> None:
    async with from_address("203.0.113.9") as owner:
        session = await sign_up(owner)
        for n in range(settings.login_failures_per_account):
            async with from_address(f"198.51.100.{20 + n}") as attacker:
                assert (await _login(attacker, session.email, WRONG)).status_code == 401
        refused = await _login(owner, session.email, PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) <= settings.login_account_lockout_max_seconds


async def test_lockout_doubles_with_each_failure_after_the_threshold() -> None:
    clock = FrozenClock()
    policy = LockoutPolicy(threshold=2, base_seconds=10, max_seconds=60, window_seconds=900)
    loose = LockoutPolicy(threshold=100, base_seconds=1, max_seconds=1, window_seconds=900)
    throttle = LoginThrottle(
        InMemoryFailureCounter(clock),
        clock,
        per_client=loose,
        per_account_client=policy,
        per_account=loose,
    )
    ann, address = "ann@example.com", "1.2.3.4"
    await throttle.failed(ann, address)
    await throttle.check(ann, address)  # one failure: below the threshold
    waits = []
    for _ in range(5):
        await throttle.failed(ann, address)
        with pytest.raises(TooManyLoginAttempts) as caught:
            await throttle.check(ann, address)
        waits.append(caught.value.retry_after)
        clock.advance(seconds=caught.value.retry_after)
        await throttle.check(ann, address)  # open again once the wait is over
    assert waits == [10, 20, 40, 60, 60]
    await throttle.failed(ann, address)
    await throttle.succeeded(ann, address)
    await throttle.check(ann, address)


async def test_every_429_carries_retry_after() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refund")
    async def refund() -> None:
        raise TooManyRefundRequests("Too many return or exchange requests.")

    @app.get("/plain")
    async def plain() -> None:
        raise HTTPException(429, "slow down")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        for path in ("/refund", "/plain"):
            response = await http.get(path)
            assert response.status_code == 429
            assert int(response.headers["Retry-After"]) >= 1, path
