"""The web chat page: ``/`` and its static files under ``/static/``, no build step, no CDN.

Only the files shipped in ``api/web`` are served (by name, from a fixed list), with headers
that keep the page to its own origin: the page talks to this API and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from services.kernel.errors import NotFound

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
STATIC_FILES = {
    path.name: path
    for path in sorted(WEB_DIR.iterdir())
    if path.suffix in _TYPES and path.name != "index.html"
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

router = APIRouter(include_in_schema=False)

StaticName = Annotated[str, PathParam(max_length=64, pattern=r"^[a-z0-9_-]+\.[a-z]+$")]


@router.get("/")
async def index() -> FileResponse:
    """The shopping chat page."""
    return _file(WEB_DIR / "index.html", "no-cache")


@router.get("/static/{name}")
async def static(name: StaticName) -> FileResponse:
    """A script, style sheet or icon of the page."""
    path = STATIC_FILES.get(name)
    if path is None:
        raise NotFound(f"No static file {name}.")
    # no-cache still lets the browser revalidate (ETag) rather than run a stale script.
    return _file(path, "no-cache")


def _file(path: Path, cache: str) -> FileResponse:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache}
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=headers)
