"""The web chat page as served by the API: files, content types and the headers that keep it
to its own origin (no CDN, works offline)."""

from __future__ import annotations

import re

import httpx
import pytest

from api.routes.web import STATIC_FILES, WEB_DIR


async def test_the_root_serves_the_chat_page_with_a_strict_policy(
    site: httpx.AsyncClient,
) -> None:
    response = await site.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>DomTok" in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("app.js", "text/javascript"), ("styles.css", "text/css"), ("icon.svg", "image/svg+xml")],
)
async def test_static_files_are_served_with_their_types(
    site: httpx.AsyncClient, name: str, content_type: str
) -> None:
    response = await site.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize(
    "path",
    ["/static/missing.js", "/static/index.html", "/static/__init__.py", "/static/..%2Fweb.py"],
)
async def test_only_the_pages_own_files_are_served(site: httpx.AsyncClient, path: str) -> None:
    response = await site.get(path)
    assert response.status_code in {404, 422}
    assert "error" in response.json()


async def test_every_script_the_page_imports_is_served(site: httpx.AsyncClient) -> None:
    page = (await site.get("/")).text
    referenced = set(re.findall(r"/static/([\w.-]+)", page))
    for script in WEB_DIR.glob("*.js"):
        referenced |= set(re.findall(r'from "\./([\w.-]+)"', script.read_text()))
    assert referenced <= set(STATIC_FILES)
    for name in referenced:
        assert (await site.get(f"/static/{name}")).status_code == 200


def test_the_page_loads_nothing_from_other_origins() -> None:
    for path in WEB_DIR.iterdir():
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path.name
            assert not re.search(r"url\((?:https?:)?//", text), path.name
            assert "import(" not in text, path.name
            assert 'fetch("http' not in text, path.name


async def test_the_web_routes_stay_out_of_the_api_schema(site: httpx.AsyncClient) -> None:
    paths = (await site.get("/openapi.json")).json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)
