"""Slowing password guessing without letting strangers lock an owner out.

Failed logins are counted three ways, each with exponential lockout (see
:mod:`services.kernel.lockout`):

* per client address, over every account: spraying one password over many emails;
* per (account, client address): guessing one account's password from one place;
* per account over every address: a looser cap whose lockout stays short, so failures made
  by someone else elsewhere delay the owner by seconds, never lock them out.

A successful login clears its (account, address) count only.
"""

from __future__ import annotations

from datetime import timedelta

from config.settings import Settings
from services.kernel.clock import Clock
from services.kernel.lockout import FailureCounter, LockoutPolicy
from services.users.errors import TooManyLoginAttempts


class LoginThrottle:
    """Checks and records login attempts of an email from a client address."""

    def __init__(
        self,
        counter: FailureCounter,
        clock: Clock,
        *,
        per_client: LockoutPolicy,
        per_account_client: LockoutPolicy,
        per_account: LockoutPolicy,
    ) -> None:
        self._counter = counter
        self._clock = clock
        self._policies = (per_client, per_account_client, per_account)

    async def check(self, email: str, client: str) -> None:
        """Raise :class:`TooManyLoginAttempts` (with the wait) while any count is locked."""
        now, wait = self._clock.now(), 0.0
        for key, policy in zip(_keys(email, client), self._policies, strict=True):
            failures = await self._counter.get(key)
            if failures.last is not None:
                until = failures.last + timedelta(seconds=policy.lock_seconds(failures.count))
                wait = max(wait, (until - now).total_seconds())
        if wait > 0:
            raise TooManyLoginAttempts(
                "Too many failed login attempts; try again later.", retry_after=wait
            )

    async def failed(self, email: str, client: str) -> None:
        """Count a wrong password (or unknown email) everywhere."""
        for key, policy in zip(_keys(email, client), self._policies, strict=True):
            await self._counter.fail(key, timedelta(seconds=policy.window_seconds))

    async def succeeded(self, email: str, client: str) -> None:
        """Forget this address's failures on this account."""
        await self._counter.clear(_keys(email, client)[1])


def _keys(email: str, client: str) -> tuple[str, str, str]:
    return f"client:{client}", f"pair:{email}|{client}", f"account:{email}"


def build_login_throttle(
    settings: Settings, counter: FailureCounter, clock: Clock
) -> LoginThrottle:
    """The throttle with the ``login_*`` settings."""
    window = settings.login_failure_window_seconds

    def policy(threshold: int, max_seconds: float) -> LockoutPolicy:
        return LockoutPolicy(threshold, settings.login_lockout_seconds, max_seconds, window)

    longest = settings.login_lockout_max_seconds
    return LoginThrottle(
        counter,
        clock,
        per_client=policy(settings.login_failures_per_client, longest),
        per_account_client=policy(settings.login_failures_per_account_client, longest),
        per_account=policy(
            settings.login_failures_per_account, settings.login_account_lockout_max_seconds
        ),
    )
