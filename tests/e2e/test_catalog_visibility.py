"""Who sees what of a product: stock figures, owner and source ids are the shop's business."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.bootstrap import Container
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant

STAFF_PRODUCT_KEYS = {"merchant_id", "external_id"}
STAFF_VARIANT_KEYS = {"on_hand", "reserved", "external_id"}


@pytest.fixture
async def owner(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "merchant")


@pytest.fixture
async def product(client: httpx.AsyncClient, owner: SignedIn) -> dict[str, Any]:
    category = await create_category(client, owner, "Lamps")
    return await create_product(
        client, owner, category["id"], "Desk Lamp", [variant({"color": "white"}, 4500, on_hand=7)]
    )


async def _viewers(client: httpx.AsyncClient, container: Container) -> dict[str, dict[str, str]]:
    customer = await sign_in(client, container, "customer")
    rival = await sign_in(client, container, "merchant")
    return {
        "anonymous": {},
        "customer": customer.headers,
        "another merchant": rival.headers,
        "a stale token": {"Authorization": "Bearer not-a-token"},
    }


async def test_shoppers_get_the_page_without_stock_figures_or_ids(
    client: httpx.AsyncClient, container: Container, product: dict[str, Any]
) -> None:
    for who, headers in (await _viewers(client, container)).items():
        page = (await client.get(f"/products/{product['id']}", headers=headers)).json()
        assert not STAFF_PRODUCT_KEYS & set(page), who
        (offered,) = page["variants"]
        assert not STAFF_VARIANT_KEYS & set(offered), who
        assert (offered["available"], offered["in_stock"]) == (7, True)
        one = (await client.get(f"/variants/{offered['id']}", headers=headers)).json()
        assert not STAFF_VARIANT_KEYS & set(one), who
        assert one["available"] == 7


async def test_the_owner_and_admins_see_stock_figures_and_ids(
    client: httpx.AsyncClient, container: Container, owner: SignedIn, product: dict[str, Any]
) -> None:
    admin = await sign_in(client, container, "admin")
    for headers in (owner.headers, admin.headers):
        page = (await client.get(f"/products/{product['id']}", headers=headers)).json()
        assert page["merchant_id"] == owner.user_id
        (offered,) = page["variants"]
        assert (offered["on_hand"], offered["reserved"]) == (7, 0)
        one = (await client.get(f"/variants/{offered['id']}", headers=headers)).json()
        assert (one["on_hand"], one["reserved"]) == (7, 0)
