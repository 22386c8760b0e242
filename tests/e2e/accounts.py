"""Helpers for API tests that need signed-in users (any context's e2e tests may use them)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.bootstrap import Container
from services.users.schemas import RegisterIn, RoleName
from tests.e2e.conftest import unique_email

PASSWORD = "correct horse battery"


@dataclass
class Session:
    """A signed-in user: id, email, tokens and ready-made auth headers."""

    user_id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <access token>``."""
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """POST /auth/login and return the token pair (asserts 200)."""
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def sign_up(client: httpx.AsyncClient, prefix: str = "shopper") -> Session:
    """Register a customer through the API and log them in."""
    email = unique_email(prefix)
    body = {"email": email, "password": PASSWORD, "name": prefix.title()}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    tokens = await login(client, email)
    return Session(response.json()["id"], email, tokens["access_token"], tokens["refresh_token"])


async def sign_in_as(
    client: httpx.AsyncClient, container: Container, role: RoleName, prefix: str | None = None
) -> Session:
    """Create a user of ``role`` (as the CLI does) and log them in through the API."""
    email = unique_email(prefix or role)
    data = RegisterIn(email=email, password=PASSWORD, name=role.title())
    user = await container.users.create_user(data, role)
    tokens = await login(client, email)
    return Session(user.id, email, tokens["access_token"], tokens["refresh_token"])
