"""Errors of the users context."""

from __future__ import annotations

from services.kernel.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)


class EmailTaken(Conflict):
    """Another account already uses this email (compared case-insensitively)."""

    code = "email_taken"


class InvalidCredentials(Unauthorized):
    """Unknown email or wrong password (deliberately not told apart)."""

    code = "invalid_credentials"


class InvalidToken(Unauthorized):
    """The token is malformed, or its signature does not match."""

    code = "invalid_token"


class TokenExpired(Unauthorized):
    """The token's ``exp`` has passed."""

    code = "token_expired"


class WrongTokenType(Unauthorized):
    """A refresh token where an access token belongs, or the other way round."""

    code = "wrong_token_type"


class TokenRevoked(Unauthorized):
    """The token was revoked by logout, rotation or a ban."""

    code = "token_revoked"


class RefreshTokenReused(Unauthorized):
    """A rotated-out refresh token came back: the whole login (token family) is revoked."""

    code = "refresh_token_reused"


class AccountBanned(Forbidden):
    """The account is banned; it cannot log in and its tokens stop working at once."""

    code = "account_banned"


class TooManyLoginAttempts(RateLimited):
    """Too many failed logins from this address, on this account, or on this account overall."""

    code = "too_many_login_attempts"


class UserNotFound(NotFound):
    code = "user_not_found"


class AddressNotFound(NotFound):
    code = "address_not_found"


class PaymentMethodNotFound(NotFound):
    code = "payment_method_not_found"


class GiftCardNotFound(NotFound):
    code = "gift_card_not_found"


class GiftCardAlreadyRedeemed(Conflict):
    """A gift card code can be redeemed once."""

    code = "gift_card_already_redeemed"


class CannotChangeOwnAccount(BadRequest):
    """Admins may not ban themselves or change their own role (it could lock everyone out)."""

    code = "cannot_change_own_account"


class LimitReached(Conflict):
    """A user may keep a bounded number of addresses and payment methods."""

    code = "limit_reached"


class UnsupportedCurrency(Unprocessable):
    """Gift cards are issued in the shop's currency only."""

    code = "unsupported_currency"
