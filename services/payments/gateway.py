"""The payment provider port and a deterministic in-memory provider for development and tests.

Card numbers go to the provider once, at tokenisation; the shop keeps only brand, last four and
the token. Charges and refunds carry an idempotency key so a retry never captures money twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, TypeVar

from services.kernel.clock import Clock
from services.kernel.errors import BadRequest
from services.kernel.ids import new_id, new_token
from services.payments.cards import card_brand, card_digits, check_expiry, check_security_code
from services.payments.errors import (
    CardDeclined,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentProcessingError,
    RefundExceedsCharge,
    UnknownPaymentToken,
)


@dataclass(frozen=True, slots=True)
class CardToken:
    """What the shop may keep of a card."""

    brand: str
    last4: str
    token: str


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """A captured charge."""

    charge_id: str
    amount_minor: int
    currency: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class RefundResult:
    """Money returned against a charge."""

    refund_id: str
    charge_id: str
    amount_minor: int
    currency: str
    idempotency_key: str


class PaymentGateway(Protocol):
    """A card payment provider."""

    async def tokenize_card(
        self, number: str, exp_month: int, exp_year: int, cvc: str
    ) -> CardToken:
        """Validate a card and exchange it for a reusable token (InvalidCard, CardExpired)."""
        ...

    async def charge(
        self, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Capture money; the same key returns the first success instead of charging again.

        Raises CardDeclined, InsufficientFunds (402) or PaymentProcessingError (503, retryable).
        """
        ...

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Return money from a charge; idempotent per key like :meth:`charge`."""
        ...

    async def charge_paypal(
        self, email: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Capture money from a linked PayPal account; idempotent per key like :meth:`charge`."""
        ...


class CardBehaviour(enum.StrEnum):
    """How the mock provider answers charges on a card."""

    APPROVE = "approve"
    DECLINE = "decline"
    NO_FUNDS = "nofunds"
    TRANSIENT = "transient"


TEST_CARDS: dict[str, CardBehaviour] = {
    "4242424242424242": CardBehaviour.APPROVE,
    "4000000000000002": CardBehaviour.DECLINE,
    "4000000000009995": CardBehaviour.NO_FUNDS,
    "4000000000000119": CardBehaviour.TRANSIENT,
}
"""Stripe-style test numbers; any other valid number is approved."""

_TOKEN_PREFIX = "tok_mock_"

_Result = TypeVar("_Result", ChargeResult, RefundResult)


def imported_card_token() -> str:
    """A mock-provider token for cards imported without their numbers (demo and τ data).

    Imported data carries only brand and last four; the mock provider approves such cards, so
    the demo shop can take payments with them.
    """
    return f"{_TOKEN_PREFIX}{CardBehaviour.APPROVE}_{new_token(12)}"


class MockPaymentGateway:
    """A provider that answers by card number, like a real provider's test mode.

    The behaviour is written into the token (``tok_mock_<behaviour>_<random>``) rather than kept
    in memory, so cards saved before a restart, or from the CLI, still charge in the server. The
    idempotency ledger lives in this process: a card on :data:`TEST_CARDS`'s transient number
    fails ``transient_failures`` attempts per idempotency key, then succeeds.
    """

    def __init__(self, clock: Clock, *, transient_failures: int = 1) -> None:
        self._clock = clock
        self._transient_failures = transient_failures
        self._attempts: dict[str, int] = {}
        self._charges: dict[str, tuple[tuple[str, int, str], ChargeResult]] = {}
        self._charges_by_id: dict[str, ChargeResult] = {}
        self._refunds: dict[str, tuple[tuple[str, int, str], RefundResult]] = {}
        self._refunded: dict[str, int] = {}

    async def tokenize_card(
        self, number: str, exp_month: int, exp_year: int, cvc: str
    ) -> CardToken:
        """Validate the card (Luhn, expiry, security code) and return a token for it."""
        digits = card_digits(number)
        brand = card_brand(digits)
        check_security_code(cvc, brand)
        check_expiry(exp_month, exp_year, self._clock.now())
        behaviour = TEST_CARDS.get(digits, CardBehaviour.APPROVE)
        return CardToken(brand, digits[-4:], f"{_TOKEN_PREFIX}{behaviour}_{new_token(12)}")

    async def charge(
        self, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Charge a tokenised card; answers are decided by the card's test number."""
        request = (token, amount_minor, currency)
        if idempotency_key in self._charges:
            return _replay(self._charges[idempotency_key], request, idempotency_key)
        _require_positive(amount_minor)
        behaviour = _behaviour_of(token)
        attempt = self._attempts.get(idempotency_key, 0) + 1
        self._attempts[idempotency_key] = attempt
        if behaviour is CardBehaviour.DECLINE:
            raise CardDeclined("The card was declined by its issuer.")
        if behaviour is CardBehaviour.NO_FUNDS:
            raise InsufficientFunds("The card has insufficient funds.")
        if behaviour is CardBehaviour.TRANSIENT and attempt <= self._transient_failures:
            raise PaymentProcessingError("The payment provider had a temporary problem.")
        result = ChargeResult(new_id("ch"), amount_minor, currency, idempotency_key)
        self._charges[idempotency_key] = (request, result)
        self._charges_by_id[result.charge_id] = result
        return result

    async def charge_paypal(
        self, email: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Approve PayPal payments (the sandbox account always pays); refunds work as for cards."""
        token = f"{_TOKEN_PREFIX}{CardBehaviour.APPROVE.value}_paypal:{email}"
        return await self.charge(token, amount_minor, currency, idempotency_key)

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Refund part or all of a charge, never more than was captured.

        A charge this process did not make (before a restart, another worker) is trusted: the
        payments service checks refundable amounts against its own records.
        """
        request = (charge_id, amount_minor, currency)
        if idempotency_key in self._refunds:
            return _replay(self._refunds[idempotency_key], request, idempotency_key)
        _require_positive(amount_minor)
        charge = self._charges_by_id.get(charge_id)
        if charge is not None:
            refunded = self._refunded.get(charge_id, 0)
            if currency != charge.currency or refunded + amount_minor > charge.amount_minor:
                raise RefundExceedsCharge(
                    "The refund is larger than what is left of the charge.",
                    details={"refundable": charge.amount_minor - refunded},
                )
        self._refunded[charge_id] = self._refunded.get(charge_id, 0) + amount_minor
        result = RefundResult(new_id("re"), charge_id, amount_minor, currency, idempotency_key)
        self._refunds[idempotency_key] = (request, result)
        return result


def _behaviour_of(token: str) -> CardBehaviour:
    if token.startswith(_TOKEN_PREFIX):
        name = token[len(_TOKEN_PREFIX) :].split("_", 1)[0]
        if name in {member.value for member in CardBehaviour}:
            return CardBehaviour(name)
    raise UnknownPaymentToken("The payment provider does not know this card.")


def _require_positive(amount_minor: int) -> None:
    if amount_minor <= 0:
        raise BadRequest("The amount must be positive.", details={"amount": amount_minor})


def _replay(
    stored: tuple[tuple[str, int, str], _Result], request: tuple[str, int, str], key: str
) -> _Result:
    previous_request, result = stored
    if previous_request != request:
        raise IdempotencyKeyReused(
            "This idempotency key was already used for a different request.",
            details={"idempotency_key": key},
        )
    return result
