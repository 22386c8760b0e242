"""The request guard as ASGI middleware: bodiless requests pass straight through, bodies are
measured and checked whatever way they are framed."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from api.request_guard import RequestGuard

LIMIT = 100


class App:
    """Records the receive callable and the body it was handed."""

    def __init__(self) -> None:
        self.receive: Receive | None = None
        self.body: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.receive = receive
        self.body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def run(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[App, Any, int]:
    app = App()
    guard = RequestGuard(app, max_body_bytes=LIMIT, max_upload_bytes=LIMIT)
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        return messages.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b""}
    scope["headers"] = headers
    await guard(scope, receive, send)
    return app, receive, int(sent[0]["status"])


async def test_a_request_without_a_body_reaches_the_app_unbuffered() -> None:
    app, receive, status = await run([(b"host", b"shop")], [b""])
    assert status == 200
    assert app.receive is receive


async def test_a_chunked_body_over_the_limit_is_refused_without_a_declared_length() -> None:
    app, _, status = await run([(b"transfer-encoding", b"chunked")], [b"x" * 60, b"x" * 60])
    assert status == 413
    assert app.receive is None


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    app, _, status = await run([(b"content-length", b"101")], [b"x" * 101])
    assert status == 413
    assert app.receive is None


async def test_a_json_body_with_a_nul_character_is_refused() -> None:
    body = json.dumps({"name": "a\x00b"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    app, _, status = await run(headers, [body])
    assert status == 422
    assert app.receive is None


async def test_a_body_within_the_limit_is_handed_to_the_app_whole() -> None:
    app, _, status = await run([(b"transfer-encoding", b"chunked")], [b"ab", b"cd"])
    assert status == 200
    assert app.body == b"abcd"
