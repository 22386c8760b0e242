"""HTTP caching of public catalog reads: an ``ETag`` on every page, ``304`` when it is unchanged.

Pages are ``no-cache``: a browser or proxy may keep a copy but asks again each time, with
``If-None-Match``, and gets an empty ``304`` while the page is the same. Stock and prices change
with every order, so no copy is ever used unchecked. A request with credentials gets a
``private`` answer (a merchant's page holds stock figures no shared cache may hand out), and
every answer varies by ``Authorization``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response

PUBLIC = "public, no-cache"
PRIVATE = "private, no-cache"

ETAG_HEADERS: dict[str, Any] = {
    "ETag": {
        "description": "Version of this page, for If-None-Match",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": f"`{PUBLIC}` (`{PRIVATE}` when signed in)"},
}
# Documented on the routes that revalidate (FastAPI appends these parameters to the route's).
REVALIDATED: dict[str, Any] = {
    "responses": {
        200: {"headers": ETAG_HEADERS},
        304: {"description": "Not modified: the copy named in If-None-Match is current"},
    },
    "openapi_extra": {
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "ETags of copies you hold; 304 when one is current",
                "schema": {"type": "string", "maxLength": 1000},
            }
        ]
    },
}


def etag_of(body: bytes) -> str:
    """A strong ETag: a digest of the page's bytes."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def is_current(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weakly compared, as RFC 9110 says)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def revalidated_json(request: Request, body: bytes) -> Response:
    """``body`` as JSON with its ETag, or an empty 304 if the client's copy is current."""
    etag = etag_of(body)
    signed_in = "authorization" in request.headers
    headers = {"ETag": etag, "Cache-Control": PRIVATE if signed_in else PUBLIC}
    headers["Vary"] = "Authorization"
    if is_current(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
