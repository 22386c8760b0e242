"""Product images: checked by magic bytes and size, stored locally, served under /media."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container
from tests.e2e.catalog_helpers import SignedIn, create_category, create_product, sign_in, variant
from tests.e2e.conftest import error_code

MAX_BYTES = 2048
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test database with a small image limit."""
    return settings.model_copy(update={"image_max_bytes": MAX_BYTES})


@pytest.fixture
async def merchant(client: httpx.AsyncClient, container: Container) -> SignedIn:
    return await sign_in(client, container, "merchant")


@pytest.fixture
async def product(client: httpx.AsyncClient, merchant: SignedIn) -> dict[str, Any]:
    category = await create_category(client, merchant, "Bags")
    return await create_product(client, merchant, category["id"], "Backpack", [variant({}, 5000)])


async def upload(
    client: httpx.AsyncClient, who: SignedIn | None, product_id: str, data: bytes, name: str
) -> httpx.Response:
    headers = who.headers if who else {}
    files = {"file": (name, data, "application/octet-stream")}
    return await client.post(f"/products/{product_id}/images", files=files, headers=headers)


@pytest.mark.parametrize(("data", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
async def test_png_and_jpeg_are_stored_listed_and_served(
    client: httpx.AsyncClient,
    merchant: SignedIn,
    product: dict[str, Any],
    data: bytes,
    content_type: str,
) -> None:
    # The file name lies on purpose: only the bytes decide.
    response = await upload(client, merchant, product["id"], data, "photo.gif")
    assert response.status_code == 201, response.text
    image = response.json()
    assert (image["content_type"], image["size_bytes"]) == (content_type, len(data))
    assert image["url"].startswith("/media/products/")
    listed = (await client.get(f"/products/{product['id']}")).json()["images"]
    assert [i["id"] for i in listed] == [image["id"]]
    served = await client.get(f"http://test{image['url']}")
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GIF89a" + b"\x00" * 32, 415, "unsupported_media_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "unsupported_media_type"),
        (b"", 400, "empty_image"),
        (PNG + b"\x00" * MAX_BYTES, 413, "image_too_large"),
    ],
)
async def test_other_files_and_oversize_uploads_are_refused(
    client: httpx.AsyncClient,
    merchant: SignedIn,
    product: dict[str, Any],
    data: bytes,
    status: int,
    code: str,
) -> None:
    response = await upload(client, merchant, product["id"], data, "photo.png")
    assert (response.status_code, error_code(response)) == (status, code)
    assert (await client.get(f"/products/{product['id']}")).json()["images"] == []


async def test_upload_needs_the_owner(
    client: httpx.AsyncClient, container: Container, product: dict[str, Any]
) -> None:
    customer = await sign_in(client, container, "customer")
    rival = await sign_in(client, container, "merchant")
    assert (await upload(client, None, product["id"], PNG, "a.png")).status_code == 401
    assert (await upload(client, customer, product["id"], PNG, "a.png")).status_code == 403
    assert (await upload(client, rival, product["id"], PNG, "a.png")).status_code == 404


async def test_missing_file_field_is_422(
    client: httpx.AsyncClient, merchant: SignedIn, product: dict[str, Any]
) -> None:
    response = await client.post(
        f"/products/{product['id']}/images", json={"file": "x"}, headers=merchant.headers
    )
    assert response.status_code == 422


async def test_deleted_image_is_gone_from_product_and_storage(
    client: httpx.AsyncClient, merchant: SignedIn, product: dict[str, Any]
) -> None:
    image = (await upload(client, merchant, product["id"], PNG, "a.png")).json()
    url = f"/products/{product['id']}/images/{image['id']}"
    assert (await client.delete(url, headers=merchant.headers)).status_code == 204
    assert (await client.get(f"/products/{product['id']}")).json()["images"] == []
    assert (await client.get(f"http://test{image['url']}")).status_code == 404
    again = await client.delete(url, headers=merchant.headers)
    assert (again.status_code, error_code(again)) == (404, "image_not_found")


@pytest.mark.parametrize(
    "path", ["/media/..%2F..%2Fdomtok.db", "/media/products/../../domtok.db", "/media/nothing.png"]
)
async def test_media_route_serves_only_stored_keys(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"http://test{path}")
    assert response.status_code == 404
