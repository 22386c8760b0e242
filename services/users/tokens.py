"""Signed JWTs: short-lived access tokens and long-lived, rotating refresh tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from services.kernel.ids import new_token
from services.users.errors import InvalidToken, TokenExpired, WrongTokenType

TokenType = Literal["access", "refresh"]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly signed token and what the server must remember about it."""

    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified claims of a token."""

    type: TokenType
    user_id: str
    jti: str
    expires_at: datetime
    role: str | None = None
    family_id: str | None = None


class TokenCodec:
    """Signs and verifies tokens with the configured secret and algorithm.

    Expiry is checked against the injected clock rather than PyJWT's wall clock, so tests can move
    time forward instead of waiting.
    """

    def __init__(
        self,
        secret: str,
        algorithm: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def issue_access(
        self, user_id: str, role: str, now: datetime, family_id: str | None = None
    ) -> IssuedToken:
        """An access token with claims sub, role, jti, iat, exp, type="access" and, when
        issued by a login, its refresh family ``fam`` (so reuse detection can revoke it)."""
        extra: dict[str, Any] = {"role": role}
        if family_id is not None:
            extra["fam"] = family_id
        return self._issue("access", user_id, now, self.access_ttl, extra)

    def issue_refresh(self, user_id: str, family_id: str, now: datetime) -> IssuedToken:
        """A refresh token of login ``family_id`` (claims sub, fam, jti, iat, exp, type)."""
        return self._issue("refresh", user_id, now, self.refresh_ttl, {"fam": family_id})

    def decode(self, token: str, expected: TokenType, now: datetime) -> TokenClaims:
        """Verify signature, expiry and type; raise a 401 error that says which check failed."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["sub", "jti", "exp", "type"],
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("The token's signature is invalid.") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("The token is malformed.") from exc
        kind = claims["type"]
        if kind != expected:
            raise WrongTokenType(f"Expected a token of type {expected!r}, got {kind!r}.")
        expires_at = _timestamp(claims["exp"])
        if expires_at <= now:
            raise TokenExpired(f"The {expected} token has expired.")
        return TokenClaims(
            type=expected,
            user_id=str(claims["sub"]),
            jti=str(claims["jti"]),
            expires_at=expires_at,
            role=claims.get("role"),
            family_id=claims.get("fam"),
        )

    def _issue(
        self,
        kind: TokenType,
        user_id: str,
        now: datetime,
        ttl: timedelta,
        extra: dict[str, Any],
    ) -> IssuedToken:
        jti = new_token(24)
        expires_at = now + ttl
        claims = {
            "sub": user_id,
            "jti": jti,
            "type": kind,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            **extra,
        }
        token = jwt.encode(claims, self._secret, algorithm=self._algorithm)
        return IssuedToken(token, jti, datetime.fromtimestamp(int(expires_at.timestamp()), UTC))


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise InvalidToken("The token's expiry is not a timestamp.") from exc
