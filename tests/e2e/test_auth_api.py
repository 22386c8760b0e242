"""/auth over HTTP: register, login, refresh rotation, logout, and every way a token fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from services.bootstrap import Container
from tests.e2e.accounts import PASSWORD, login, sign_in_as, sign_up
from tests.e2e.conftest import error_code, unique_email


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# register


async def test_register_returns_201_and_the_user_without_secrets(
    client: httpx.AsyncClient,
) -> None:
    email = unique_email()
    response = await client.post(
        "/auth/register", json={"email": email.upper(), "password": PASSWORD, "name": "Ann"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "name", "role", "status", "created_at"}
    assert (body["email"], body["role"], body["status"]) == (email, "customer", "active")


async def test_register_same_email_in_other_case_is_409(client: httpx.AsyncClient) -> None:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "Ann"}
    assert (await client.post("/auth/register", json=body)).status_code == 201
    again = await client.post("/auth/register", json={**body, "email": email.title()})
    assert again.status_code == 409
    assert error_code(again) == "email_taken"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"name": ""}, "name"),
        ({"role": "admin"}, "role"),
    ],
)
async def test_register_validation_errors_are_422(
    client: httpx.AsyncClient, changes: dict[str, str], field: str
) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "name": "Ann", **changes}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["message"]


async def test_register_error_does_not_echo_the_password(client: httpx.AsyncClient) -> None:
    body = {"email": unique_email(), "password": "leaky" * 30, "name": "Ann"}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert "leaky" not in response.text


# login


async def test_login_returns_bearer_tokens(client: httpx.AsyncClient, container: Container) -> None:
    session = await sign_up(client)
    tokens = await login(client, session.email.upper())
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == container.settings.access_token_minutes * 60
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert {"sub", "role", "jti", "exp", "type"} <= set(claims)
    assert (claims["sub"], claims["role"], claims["type"]) == (
        session.user_id,
        "customer",
        "access",
    )


async def test_login_with_wrong_password_or_unknown_email_is_401(
    client: httpx.AsyncClient,
) -> None:
    session = await sign_up(client)
    wrong = await client.post("/auth/login", json={"email": session.email, "password": "nope-nope"})
    unknown = await client.post("/auth/login", json={"email": unique_email(), "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"
    assert wrong.json() == unknown.json()


async def test_login_failures_lock_the_account_from_that_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    session = await sign_up(client)
    for _ in range(container.settings.login_failures_per_account_client):
        bad = await client.post("/auth/login", json={"email": session.email, "password": "x" * 9})
        assert bad.status_code == 401
    blocked = await client.post("/auth/login", json={"email": session.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert error_code(blocked) == "too_many_login_attempts"
    assert int(blocked.headers["Retry-After"]) >= 1
    other = await sign_up(client)
    assert (await client.get("/users/me", headers=other.headers)).status_code == 200


async def test_login_extra_fields_are_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login", json={"email": unique_email(), "password": PASSWORD, "otp": "1"}
    )
    assert response.status_code == 422


# refresh


async def test_refresh_rotates_the_refresh_token(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != session.refresh_token
    me = await client.get("/users/me", headers=_bearer(pair["access_token"]))
    assert me.json()["id"] == session.user_id


async def test_reused_refresh_token_revokes_its_whole_family(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    first = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    newer = first.json()["refresh_token"]
    reused = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert reused.status_code == 401
    assert error_code(reused) == "refresh_token_reused"
    after = await client.post("/auth/refresh", json={"refresh_token": newer})
    assert after.status_code == 401
    assert error_code(after) == "token_revoked"


async def test_access_token_cannot_refresh(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.post("/auth/refresh", json={"refresh_token": session.access_token})
    assert response.status_code == 401
    assert error_code(response) == "wrong_token_type"


async def test_garbage_refresh_token_is_401_and_missing_one_is_422(
    client: httpx.AsyncClient,
) -> None:
    garbage = await client.post("/auth/refresh", json={"refresh_token": "abc.def.ghi"})
    assert garbage.status_code == 401
    assert error_code(garbage) == "invalid_token"
    assert (await client.post("/auth/refresh", json={})).status_code == 422


# logout


async def test_logout_revokes_access_and_refresh_tokens(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.post(
        "/auth/logout", headers=session.headers, json={"refresh_token": session.refresh_token}
    )
    assert response.status_code == 204
    me = await client.get("/users/me", headers=session.headers)
    assert me.status_code == 401
    assert error_code(me) == "token_revoked"
    refresh = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refresh.status_code == 401
    assert error_code(refresh) == "token_revoked"


async def test_logout_without_body_revokes_only_the_access_token(
    client: httpx.AsyncClient,
) -> None:
    session = await sign_up(client)
    assert (await client.post("/auth/logout", headers=session.headers)).status_code == 204
    assert (await client.get("/users/me", headers=session.headers)).status_code == 401
    refresh = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refresh.status_code == 200


async def test_logout_needs_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/logout")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_logging_out_twice_is_401(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    await client.post("/auth/logout", headers=session.headers)
    again = await client.post("/auth/logout", headers=session.headers)
    assert again.status_code == 401
    assert error_code(again) == "token_revoked"


# bearer token failures


def _forge(container: Container, user_id: str, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": user_id,
        "role": "admin",
        "jti": "forged-jti",
        "type": "access",
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    secret = str(claims.pop("secret", container.settings.jwt_secret))
    return jwt.encode(claims, secret, algorithm=container.settings.jwt_algorithm)


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/me")
    assert response.status_code == 401
    assert "Missing bearer token" in response.json()["error"]["message"]


async def test_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/me", headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 401


async def test_expired_token_is_401_token_expired(
    client: httpx.AsyncClient, container: Container
) -> None:
    session = await sign_up(client)
    past = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())
    response = await client.get(
        "/users/me", headers=_bearer(_forge(container, session.user_id, exp=past))
    )
    assert response.status_code == 401
    assert error_code(response) == "token_expired"


async def test_token_with_wrong_signature_is_401(
    client: httpx.AsyncClient, container: Container
) -> None:
    session = await sign_up(client)
    forged = _forge(container, session.user_id, secret="someone-elses-secret-of-enough-length")
    response = await client.get("/users/me", headers=_bearer(forged))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


async def test_refresh_token_as_bearer_is_401(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.get("/users/me", headers=_bearer(session.refresh_token))
    assert response.status_code == 401
    assert error_code(response) == "wrong_token_type"


async def test_token_of_an_unknown_user_is_401(
    client: httpx.AsyncClient, container: Container
) -> None:
    response = await client.get("/users/me", headers=_bearer(_forge(container, "usr_ghost")))
    assert response.status_code == 401


async def test_role_claim_is_not_trusted_over_the_database(
    client: httpx.AsyncClient, container: Container
) -> None:
    session = await sign_up(client)
    token = _forge(container, session.user_id, role="admin")
    response = await client.get("/admin/users", headers=_bearer(token))
    assert response.status_code == 403


# bans


async def test_banned_users_tokens_stop_at_once_and_login_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await sign_in_as(client, container, "admin")
    session = await sign_up(client)
    ban = await client.post(f"/admin/users/{session.user_id}/ban", headers=admin.headers)
    assert ban.status_code == 200
    me = await client.get("/users/me", headers=session.headers)
    assert me.status_code == 403
    assert error_code(me) == "account_banned"
    relogin = await client.post("/auth/login", json={"email": session.email, "password": PASSWORD})
    assert relogin.status_code == 403
    refresh = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refresh.status_code == 403
    unban = await client.post(f"/admin/users/{session.user_id}/unban", headers=admin.headers)
    assert unban.json()["status"] == "active"
    tokens = await login(client, session.email)
    assert (
        await client.get("/users/me", headers=_bearer(tokens["access_token"]))
    ).status_code == 200
