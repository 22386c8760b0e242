"""JWT access and refresh tokens: claims, expiry by the injected clock, and clear 401 reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.users.errors import InvalidToken, TokenExpired, WrongTokenType
from services.users.tokens import TokenCodec

SECRET = "unit-test-secret-that-is-long-enough-000"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def codec() -> TokenCodec:
    return TokenCodec(SECRET, "HS256", timedelta(minutes=15), timedelta(days=14))


def test_access_token_carries_sub_role_jti_exp_and_type(codec: TokenCodec) -> None:
    issued = codec.issue_access("usr_1", "merchant", NOW)
    raw = jwt.decode(issued.token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert raw["sub"] == "usr_1"
    assert raw["role"] == "merchant"
    assert raw["type"] == "access"
    assert raw["jti"] == issued.jti
    assert raw["exp"] == int((NOW + timedelta(minutes=15)).timestamp())


def test_decoded_claims_match_what_was_issued(codec: TokenCodec) -> None:
    issued = codec.issue_refresh("usr_1", "family-1", NOW)
    claims = codec.decode(issued.token, "refresh", NOW + timedelta(days=13))
    assert (claims.user_id, claims.jti, claims.family_id) == ("usr_1", issued.jti, "family-1")
    assert claims.expires_at == issued.expires_at


def test_access_token_expires_after_its_lifetime(codec: TokenCodec) -> None:
    issued = codec.issue_access("usr_1", "customer", NOW)
    codec.decode(issued.token, "access", NOW + timedelta(minutes=14))
    with pytest.raises(TokenExpired, match="expired"):
        codec.decode(issued.token, "access", NOW + timedelta(minutes=15))


def test_token_signed_with_another_secret_is_invalid(codec: TokenCodec) -> None:
    other = TokenCodec(
        "another-secret-that-is-also-long-enough", "HS256", codec.access_ttl, codec.refresh_ttl
    )
    forged = other.issue_access("usr_1", "admin", NOW)
    with pytest.raises(InvalidToken, match="signature"):
        codec.decode(forged.token, "access", NOW)


def test_refresh_token_is_not_accepted_as_access_token(codec: TokenCodec) -> None:
    refresh = codec.issue_refresh("usr_1", "family-1", NOW)
    with pytest.raises(WrongTokenType):
        codec.decode(refresh.token, "access", NOW)


def test_access_token_is_not_accepted_as_refresh_token(codec: TokenCodec) -> None:
    access = codec.issue_access("usr_1", "customer", NOW)
    with pytest.raises(WrongTokenType):
        codec.decode(access.token, "refresh", NOW)


def test_garbage_is_a_malformed_token(codec: TokenCodec) -> None:
    with pytest.raises(InvalidToken, match="malformed"):
        codec.decode("not-a-jwt", "access", NOW)


def test_token_without_required_claims_is_invalid(codec: TokenCodec) -> None:
    token = jwt.encode({"sub": "usr_1", "type": "access"}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        codec.decode(token, "access", NOW)


def test_unsigned_token_is_refused(codec: TokenCodec) -> None:
    claims = {"sub": "usr_1", "jti": "x", "type": "access", "exp": 4_000_000_000, "role": "admin"}
    token = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(InvalidToken):
        codec.decode(token, "access", NOW)


def test_every_token_gets_its_own_jti(codec: TokenCodec) -> None:
    jtis = {codec.issue_access("usr_1", "customer", NOW).jti for _ in range(20)}
    assert len(jtis) == 20
