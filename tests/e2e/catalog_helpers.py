"""Helpers for catalog and cart API tests: signed-in users of each role, a small catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.bootstrap import Container
from services.users.schemas import RegisterIn
from tests.e2e.conftest import unique_email

PASSWORD = "correct-horse-42"


@dataclass(frozen=True)
class SignedIn:
    """A user with a bearer token."""

    user_id: str
    headers: dict[str, str]


async def sign_in(client: httpx.AsyncClient, container: Container, role: str) -> SignedIn:
    """Create an account with ``role`` (operators do this; the API only opens customers)."""
    email = unique_email(role)
    data = RegisterIn(email=email, password=PASSWORD, name=role.title())  # type: ignore[arg-type]
    user = await container.users.create_user(data, role=role)  # type: ignore[arg-type]
    response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return SignedIn(user.id, {"Authorization": f"Bearer {token}"})


def variant(
    options: dict[str, str], amount: int, on_hand: int = 10, **extra: Any
) -> dict[str, Any]:
    """A variant body: price in minor units."""
    return {"options": options, "price": {"amount": amount}, "on_hand": on_hand, **extra}


async def create_category(client: httpx.AsyncClient, who: SignedIn, name: str) -> dict[str, Any]:
    """POST /categories and return the body."""
    response = await client.post("/categories", json={"name": name}, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def create_product(
    client: httpx.AsyncClient,
    who: SignedIn,
    category_id: str,
    name: str,
    variants: list[dict[str, Any]],
    description: str = "",
) -> dict[str, Any]:
    """POST /products and return the body."""
    body = {
        "name": name,
        "description": description,
        "category_id": category_id,
        "variants": variants,
    }
    response = await client.post("/products", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
