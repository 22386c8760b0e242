"""Errors of the payments context (the provider's refusals and failures)."""

from __future__ import annotations

from services.kernel.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PaymentRequired,
    Unavailable,
    Unprocessable,
)


class InvalidCard(Unprocessable):
    """The card number, expiry or security code cannot be a real card."""

    code = "invalid_card"


class CardExpired(Unprocessable):
    """The card's expiry month has passed."""

    code = "card_expired"


class CardDeclined(PaymentRequired):
    """The issuer declined the charge."""

    code = "card_declined"


class InsufficientFunds(PaymentRequired):
    """The card or gift card does not cover the amount."""

    code = "insufficient_funds"


class PaymentProcessingError(Unavailable):
    """The provider failed transiently; retrying with the same idempotency key is safe."""

    code = "payment_processing_error"


class UnknownPaymentToken(NotFound):
    """The provider does not know this card token or charge."""

    code = "unknown_payment_token"


class IdempotencyKeyReused(Conflict):
    """An idempotency key was sent again with a different request."""

    code = "idempotency_key_reused"


class RefundExceedsCharge(Conflict):
    """Refunds would return more than was charged."""

    code = "refund_exceeds_charge"


class InvalidPaymentToken(BadRequest):
    """The payment token is unknown or belongs to another order."""

    code = "invalid_payment_token"


class PaymentTokenUsed(Conflict):
    """The single-use payment token was already used."""

    code = "payment_token_used"


class PaymentTokenExpired(Conflict):
    """The payment token's time ran out; ask for a new one."""

    code = "payment_token_expired"


class AlreadyPaid(Conflict):
    """The order's payment was captured already."""

    code = "already_paid"


class PaymentMethodNotChargeable(BadRequest):
    """A saved card without a provider token (it was never tokenised)."""

    code = "payment_method_not_chargeable"
