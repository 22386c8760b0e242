"""A leaked refresh token, detected by its reuse, signs out the whole login: its refresh tokens
*and* the access tokens it issued, which used to stay valid until they expired."""

from __future__ import annotations

import httpx

from tests.e2e.accounts import login, sign_up


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_reuse_of_a_refresh_token_revokes_the_familys_access_tokens(
    client: httpx.AsyncClient,
) -> None:
    session = await sign_up(client)
    rotated = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    newer = rotated.json()["access_token"]
    for token in (session.access_token, newer):
        assert (await client.get("/users/me", headers=_bearer(token))).status_code == 200

    reused = await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert reused.json()["error"]["code"] == "refresh_token_reused"

    for token in (session.access_token, newer):
        refused = await client.get("/users/me", headers=_bearer(token))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "token_revoked"


async def test_other_logins_of_the_same_account_keep_working(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    other = await login(client, session.email)
    await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    await client.post("/auth/refresh", json={"refresh_token": session.refresh_token})
    assert (await client.get("/users/me", headers=session.headers)).status_code == 401
    me = await client.get("/users/me", headers=_bearer(other["access_token"]))
    assert me.status_code == 200
    again = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert again.status_code == 200
