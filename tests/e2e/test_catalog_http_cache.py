"""Public catalog reads carry an ETag and Cache-Control, and answer 304 to a current copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from services.bootstrap import Container
from tests.conftest import make_settings
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant


@pytest.fixture
async def merchant(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "merchant")


@pytest.fixture
async def kettle(client: httpx.AsyncClient, merchant: SignedIn) -> dict[str, Any]:
    category = await create_category(client, merchant, "Kitchen")
    return await create_product(client, merchant, category["id"], "Kettle", [variant({}, 3000)])


def _public_reads(product: dict[str, Any]) -> list[str]:
    variant_id = product["variants"][0]["id"]
    return [
        f"/products/{product['id']}",
        "/products?q=kettle",
        "/categories",
        f"/variants/{variant_id}",
        f"/variants/{variant_id}/price-history",
    ]


async def test_public_reads_answer_304_while_the_copy_is_current(
    client: httpx.AsyncClient, kettle: dict[str, Any]
) -> None:
    for url in _public_reads(kettle):
        first = await client.get(url)
        assert first.status_code == 200, url
        etag = first.headers["etag"]
        assert (first.headers["cache-control"], first.headers["vary"]) == (
            "public, no-cache",
            "Authorization",
        )
        again = await client.get(url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content) == (304, b""), url
        assert again.headers["etag"] == etag
        stale = await client.get(url, headers={"If-None-Match": '"older"'})
        assert stale.status_code == 200
        assert stale.json() == first.json()


async def test_a_change_gives_the_page_a_new_etag(
    client: httpx.AsyncClient, merchant: SignedIn, kettle: dict[str, Any]
) -> None:
    url = f"/products/{kettle['id']}"
    etag = (await client.get(url)).headers["etag"]
    variant_id = kettle["variants"][0]["id"]
    body = {"price": {"amount": 2500}}
    changed = await client.patch(f"/variants/{variant_id}", json=body, headers=merchant.headers)
    assert changed.status_code == 200
    fresh = await client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert fresh.json()["min_price"]["amount"] == 2500


async def test_if_none_match_lists_and_weak_tags_are_understood(
    client: httpx.AsyncClient, kettle: dict[str, Any]
) -> None:
    url = f"/products/{kettle['id']}"
    etag = (await client.get(url)).headers["etag"]
    for header in (f'"other", {etag}', f"W/{etag}", "*"):
        assert (await client.get(url, headers={"If-None-Match": header})).status_code == 304


async def test_signed_in_answers_are_private(
    client: httpx.AsyncClient, merchant: SignedIn, kettle: dict[str, Any]
) -> None:
    page = await client.get(f"/products/{kettle['id']}", headers=merchant.headers)
    assert page.headers["cache-control"] == "private, no-cache"
    assert "on_hand" in page.json()["variants"][0]
    public = await client.get(f"/products/{kettle['id']}")
    assert public.headers["etag"] != page.headers["etag"]


def test_the_schema_documents_revalidation(tmp_path: Path) -> None:
    schema = create_app(make_settings(tmp_path)).openapi()
    operation = schema["paths"]["/api/v1/products/{product_id}"]["get"]
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert "304" in operation["responses"]
    assert "If-None-Match" in [parameter["name"] for parameter in operation["parameters"]]
