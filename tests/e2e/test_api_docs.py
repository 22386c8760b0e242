"""The API docs page (``/docs``) works offline: every asset it loads is served by the app."""

from __future__ import annotations

import re

import httpx
import pytest

_URL = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")


def _referenced_urls(html: str) -> list[str]:
    return [first or second for first, second in _URL.findall(html)]


async def test_docs_page_loads_only_assets_the_app_serves(site: httpx.AsyncClient) -> None:
    page = await site.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = _referenced_urls(page.text)
    assert len(urls) == 4  # style sheet, icon, script, schema
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for url in urls:
        asset = await site.get(url)
        assert asset.status_code == 200, url
        assert asset.content


async def test_docs_assets_carry_their_types_and_a_cache_lifetime(site: httpx.AsyncClient) -> None:
    script = await site.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=3600"
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize(
    "path", ["/docs/assets/index.html", "/docs/assets/..%2F__init__.py", "/docs/assets/x.js"]
)
async def test_only_listed_docs_assets_are_served(site: httpx.AsyncClient, path: str) -> None:
    response = await site.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_the_cdn_pages_of_fastapi_are_gone(site: httpx.AsyncClient) -> None:
    assert (await site.get("/redoc")).status_code == 404
