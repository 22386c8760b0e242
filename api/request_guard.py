"""Refusing requests no route should see: bodies over the size limit (413), JSON nested deeper
than :data:`~api.json_depth.MAX_JSON_DEPTH` levels (422; decoding it would raise
``RecursionError``), and text the databases cannot store — NUL characters or unpaired surrogates
in the path, the query string or a JSON body (422) — which PostgreSQL would otherwise reject
with a 500 halfway through a request.

Bodies are read up to the limit before the app runs (JSON bodies are small, and image uploads
are read into memory by their route anyway), so a refused request never reaches a service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.json_depth import MAX_JSON_DEPTH, too_deep

# Room for the multipart framing around an uploaded image.
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    """The body went past the limit while being read."""


class RequestGuard:
    """ASGI middleware: size limit for every HTTP body, storable text for paths, queries and
    JSON bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _bad_target(scope)
        if where is not None:
            await _refuse(send, 422, "validation_error", f"{where}: {_UNSTORABLE}", where)
            return
        content_type, declared, chunked = _body_headers(scope)
        if not chunked and declared in ("", "0"):
            # HTTP/1.1 has no body without Content-Length or Transfer-Encoding (most GETs):
            # nothing to measure or check, so the request goes on without buffering.
            await self.app(scope, receive, send)
            return
        upload = content_type.startswith("multipart/")
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        try:
            body = await _read_body(receive, limit)
        except BodyTooLarge:
            await _too_large(send, limit)
            return
        if body and _decoded_as_json(content_type) and too_deep(body):
            await _refuse(send, 422, "validation_error", _TOO_DEEP, "body", kind="too_deep")
            return
        if body and "json" in content_type:
            where = _bad_json_text(body)
            if where is not None:
                await _refuse(send, 422, "validation_error", f"{where}: {_UNSTORABLE}", where)
                return
        await self.app(scope, _replay(body, receive), send)


_UNSTORABLE = "NUL characters and unpaired surrogates are not allowed"
_TOO_DEEP = f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels is not allowed"


def _decoded_as_json(content_type: str) -> bool:
    """True when FastAPI would decode the body as JSON: a JSON type, or no type at all."""
    return not content_type or "json" in content_type


def _body_headers(scope: Scope) -> tuple[str, str, bool]:
    """Content-Type and Content-Length (trimmed, lower case; "" when absent), and whether a
    Transfer-Encoding is given, in one pass over the headers."""
    content_type = declared = ""
    chunked = False
    for key, value in scope.get("headers", ()):
        name = key.lower()
        if name == b"content-type" and not content_type:
            content_type = _text(value)
        elif name == b"content-length" and not declared:
            declared = _text(value)
        elif name == b"transfer-encoding":
            chunked = True
    return content_type, declared, chunked


def _text(value: bytes) -> str:
    return bytes(value).decode("latin-1").strip().lower()


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the buffered body, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _bad_target(scope: Scope) -> str | None:
    """``path`` or ``query`` when either holds a NUL character."""
    if "\x00" in str(scope.get("path", "")):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"\x00" in unquote_to_bytes(query):
        return "query"
    return None


def _bad_json_text(body: bytes) -> str | None:
    """The location of the first unstorable string of a JSON body (None if all are fine or the
    body is not JSON, which the route reports itself)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    for location, text in _strings(data, ("body",)):
        if "\x00" in text or not _encodable(text):
            return ".".join(location)
    return None


def _strings(value: Any, location: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*location, key), key
            yield from _strings(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*location, str(index)))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _too_large(send: Send, limit: int) -> None:
    message = f"The request body is larger than {limit} bytes."
    await _refuse(send, 413, "payload_too_large", message, None, {"max_bytes": limit})


async def _refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    where: str | None,
    details: dict[str, Any] | None = None,
    *,
    kind: str = "unstorable",
) -> None:
    if where is not None:
        details = {"errors": [{"loc": where.split("."), "msg": message, "type": kind}]}
    # The key names are ASCII, but a NUL or surrogate must not travel back escaped oddly.
    payload = json.dumps(error_body(code, message, details), ensure_ascii=True).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
