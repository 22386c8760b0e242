"""Bad input: oversized bodies, wrong types, impossible quantities, hostile unicode, SQL-looking
text. Each refused request gets a clear 4xx in the error envelope and leaves every shop table
as it was; text that is merely unusual (emoji, right-to-left, quotes) is stored exactly as sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container
from tests.reliability.world import ADDRESS, World, ok, snapshot

BIG = 2**63
HUGE = 10**30


@dataclass(frozen=True)
class Bad:
    """A request that must be refused: who sends it, where, with what, and the status."""

    name: str
    method: str
    path: Callable[[World], str]
    status: int
    json: Callable[[World], Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    who: str = "owner"
    code: str | None = None


def at(path: str) -> Callable[[World], str]:
    """A fixed path."""
    return lambda w: path


def item(w: World, quantity: Any) -> dict[str, Any]:
    return {"variant_id": w.variant_id, "quantity": quantity}


def order_of(w: World, quantity: Any) -> dict[str, Any]:
    return {"address_id": w.owner.address_id, "items": [item(w, quantity)]}


PENDING = lambda w: f"/orders/{w.pending_order_id}"  # noqa: E731
VARIANT = lambda w: f"/variants/{w.variant_id}"  # noqa: E731

OVERSIZED = [
    Bad("2 MiB product", "POST", at("/products"), 413, lambda w: {"name": "x" * 2**21},
        who="merchant_a", code="payload_too_large"),
    Bad("2 MiB address", "POST", at("/users/me/addresses"), 413,
        lambda w: {**ADDRESS, "line2": "y" * 2**21}, code="payload_too_large"),
    Bad("2 MiB raw body", "POST", at("/cart/items"), 413, content=b"{" + b" " * 2**21 + b"}",
        headers={"content-type": "application/json"}, code="payload_too_large"),
    Bad("chat message of 4001 chars", "POST", at("/chat"), 422, lambda w: {"message": "a" * 4001}),
    Bad("300 order lines", "POST", at("/orders"), 422,
        lambda w: {"address_id": w.owner.address_id, "items": [item(w, 1)] * 300}),
    Bad("10k-char product name", "PATCH", lambda w: f"/products/{w.product_id}", 422,
        lambda w: {"name": "n" * 10_000}, who="merchant_a"),
]  # fmt: skip

WRONG_TYPES = [
    Bad("quantity as text", "POST", at("/cart/items"), 422, lambda w: item(w, "two")),
    Bad("quantity as float", "POST", at("/cart/items"), 422, lambda w: item(w, 1.5)),
    Bad("quantity as list", "POST", at("/cart/items"), 422, lambda w: item(w, [1])),
    Bad("quantity as true", "POST", at("/cart/items"), 422, lambda w: item(w, True)),
    Bad("cart line set to true", "PATCH", lambda w: f"/cart/items/{w.variant2_id}", 422,
        lambda w: {"quantity": True}),
    Bad("order quantity as true", "POST", at("/orders"), 422, lambda w: order_of(w, True)),
    Bad("return quantity as true", "POST", lambda w: f"/orders/{w.delivered_order_id}/returns",
        422, lambda w: {"items": [item(w, True)]}),
    Bad("exchange quantity as true", "POST",
        lambda w: f"/orders/{w.delivered_order_id}/exchanges", 422,
        lambda w: {"items": [{**item(w, True), "new_variant_id": w.variant2_id}]}),
    Bad("variant id as number", "POST", at("/cart/items"), 422,
        lambda w: {"variant_id": 12345, "quantity": 1}),
    Bad("items as object", "POST", at("/orders"), 422,
        lambda w: {"address_id": w.owner.address_id, "items": item(w, 1)}),
    Bad("body is a list", "POST", at("/users/me/addresses"), 422, lambda w: [ADDRESS]),
    Bad("body is a string", "POST", at("/users/me/addresses"), 422, lambda w: "address"),
    Bad("invalid JSON", "POST", at("/users/me/addresses"), 422, content=b'{"city": ',
        headers={"content-type": "application/json"}),
    Bad("form instead of JSON", "POST", at("/users/me/addresses"), 422, content=b"city=x",
        headers={"content-type": "application/x-www-form-urlencoded"}),
    Bad("unknown field", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "is_admin": True}),
    Bad("price as text", "PATCH", VARIANT, 422, lambda w: {"price": {"amount": "9.99"}},
        who="merchant_a"),
    Bad("null required field", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "city": None}),
    Bad("boolean as text", "PATCH", VARIANT, 422, lambda w: {"is_available": "maybe"},
        who="merchant_a"),
    Bad("page as text", "GET", at("/orders?page=first"), 422),
    Bad("unknown status filter", "GET", at("/orders?status=stolen"), 422),
    Bad("role that does not exist", "PATCH", lambda w: f"/admin/users/{w.other.user_id}", 422,
        lambda w: {"role": "superuser"}, who="admin"),
]  # fmt: skip

QUANTITIES = [
    Bad(f"cart quantity {q}", "POST", at("/cart/items"), 422, lambda w, q=q: item(w, q))
    for q in (0, -1, 100, BIG, HUGE)
] + [
    Bad(f"order quantity {q}", "POST", at("/orders"), 422, lambda w, q=q: order_of(w, q))
    for q in (0, -5, 10**9, BIG)
] + [
    Bad("cart line set to 0", "PATCH", lambda w: f"/cart/items/{w.variant2_id}", 422,
        lambda w: {"quantity": 0}),
    Bad("more units than in stock", "POST", at("/orders"), 409, lambda w: order_of(w, 99),
        code="out_of_stock"),
    Bad("negative stock", "PATCH", VARIANT, 422, lambda w: {"on_hand": -1}, who="merchant_a"),
    Bad("stock of 10^12", "PATCH", VARIANT, 422, lambda w: {"on_hand": 10**12}, who="merchant_a"),
    Bad("stock delta below zero", "PATCH", VARIANT, 409, lambda w: {"stock_delta": -1000},
        who="merchant_a"),
    Bad("negative price", "PATCH", VARIANT, 422, lambda w: {"price": {"amount": -1}},
        who="merchant_a"),
    Bad("price of 2^63", "PATCH", VARIANT, 422, lambda w: {"price": {"amount": BIG}},
        who="merchant_a"),
    Bad("gift card of 0", "POST", at("/admin/gift-cards"), 422, lambda w: {"amount": 0},
        who="admin"),
    Bad("gift card of 10^30", "POST", at("/admin/gift-cards"), 422, lambda w: {"amount": HUGE},
        who="admin"),
    Bad("return of 0 units", "POST", lambda w: f"/orders/{w.delivered_order_id}/returns", 422,
        lambda w: {"items": [item(w, 0)]}),
    Bad("return of more units than bought", "POST",
        lambda w: f"/orders/{w.delivered_order_id}/returns", 400,
        lambda w: {"items": [item(w, 5)]}, code="item_not_in_order"),
    Bad("page 0", "GET", at("/orders?page=0"), 422),
    Bad("page_size 1000", "GET", at("/orders?page_size=1000"), 422),
    Bad("page 10^30", "GET", at("/orders?page=" + "9" * 30), 422),
    Bad("price filter 10^30", "GET", at("/products?max_price=" + "9" * 30), 422, who="anonymous"),
]  # fmt: skip

UNICODE = [
    Bad("NUL in a name", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "recipient": "Ann\x00Admin"}, code="validation_error"),
    Bad("NUL in a key", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "ci\x00ty": "x"}, code="validation_error"),
    Bad("NUL in a product description", "POST", at("/products"), 422,
        lambda w: {"name": "Boot", "description": "a\x00b", "category_id": w.category_id,
                   "variants": [{"options": {}, "price": {"amount": 1}, "on_hand": 1}]},
        who="merchant_a", code="validation_error"),
    Bad("NUL in the search query", "GET", at("/products?q=boot%00"), 422, who="anonymous",
        code="validation_error"),
    Bad("NUL in a path id", "GET", at("/orders/ord%00x"), 422, code="validation_error"),
    Bad("lone surrogate", "POST", at("/users/me/addresses"), 422,
        content=b'{"recipient": "\\ud800", "line1": "1", "city": "c", "zip": "1",'
                b' "country": "US"}',
        headers={"content-type": "application/json"}, code="validation_error"),
    Bad("invalid UTF-8 bytes", "POST", at("/users/me/addresses"), 400,
        content=b'{"recipient": "\xff\xfe", "line1": "1", "city": "c", "zip": "1",'
                b' "country": "US"}',
        headers={"content-type": "application/json"}),
    Bad("a 201-char address line of emoji", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "line1": "🏠" * 201}),
    Bad("blank name", "POST", at("/users/me/addresses"), 422,
        lambda w: {**ADDRESS, "recipient": "   "}),
    Bad("chat message of whitespace only", "POST", at("/chat"), 422, lambda w: {"message": " \n"}),
]  # fmt: skip

SQL_LIKE = [
    Bad("SQL in an order id", "GET", at("/orders/' OR '1'='1"), 404),
    Bad("SQL in an address id", "PATCH", at("/users/me/addresses/1 OR 1=1"), 404,
        lambda w: {"city": "x"}),
    Bad("SQL in a coupon code", "POST", at("/coupons/x';DROP TABLE orders;--/claim"), 422),
    Bad("SQL in a login", "POST", at("/auth/login"), 401,
        lambda w: {"email": "' OR 1=1 --", "password": "' OR ''='"}, who="anonymous"),
    Bad("SQL in a variant id", "POST", at("/cart/items"), 404,
        lambda w: {"variant_id": "var' UNION SELECT * FROM users--", "quantity": 1}),
]  # fmt: skip

CASES = {
    "oversized": OVERSIZED,
    "wrong types": WRONG_TYPES,
    "quantities": QUANTITIES,
    "unicode": UNICODE,
    "sql-looking": SQL_LIKE,
}


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


@pytest.fixture
def api(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The in-process client (chat included)."""
    return client


def _headers(world: World, who: str) -> dict[str, str]:
    people = {
        "owner": world.owner.headers,
        "merchant_a": world.merchant_a.headers,
        "admin": world.admin.headers,
        "anonymous": {},
    }
    return dict(people[who])


async def send(client: httpx.AsyncClient, world: World, case: Bad) -> httpx.Response:
    """The case's request."""
    headers = {**_headers(world, case.who), **case.headers}
    kwargs: dict[str, Any] = {"headers": headers}
    if case.content is not None:
        kwargs["content"] = case.content
    elif case.json is not None:
        kwargs["json"] = case.json(world)
    return await client.request(case.method, case.path(world), **kwargs)


@pytest.mark.parametrize("kind", list(CASES))
async def test_bad_input_is_refused_cleanly_and_stores_nothing(
    api: httpx.AsyncClient, container: Container, world: World, kind: str
) -> None:
    failures = []
    for case in CASES[kind]:
        before = await snapshot(container)
        response = await send(api, world, case)
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else None
        )
        problems = []
        if response.status_code != case.status:
            problems.append(f"status {response.status_code}, expected {case.status}")
        if not (isinstance(body, dict) and set(body) == {"error"}):
            problems.append("no error envelope")
        elif case.code is not None and body["error"]["code"] != case.code:
            problems.append(f"code {body['error']['code']}, expected {case.code}")
        if await snapshot(container) != before:
            problems.append("something was stored")
        if problems:
            failures.append(f"{case.name}: {'; '.join(problems)} ({response.text[:200]})")
    assert not failures, "\n".join(failures)


UNUSUAL_TEXT = [
    "Zoë 🥾 Wanderer 👩🏽‍🚀",
    "\u202eRight-to-left override\u202c",
    "שלום עולם مرحبا",
    "Robert'); DROP TABLE users;--",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "100% _wild_ \\ card",
    "e\u0301\u0301\u0301 combining",
]


@pytest.mark.parametrize("text", UNUSUAL_TEXT, ids=range(len(UNUSUAL_TEXT)))
async def test_unusual_text_is_stored_exactly_as_sent(
    api: httpx.AsyncClient, container: Container, world: World, text: str
) -> None:
    headers = world.owner.headers
    created = ok(
        await api.post("/users/me/addresses", json={**ADDRESS, "recipient": text}, headers=headers),
        201,
    )
    assert created["recipient"] == text
    listed = ok(await api.get("/users/me/addresses", headers=headers))
    assert text in {address["recipient"] for address in listed}
    product = ok(
        await api.patch(
            f"/products/{world.product_id}",
            json={"description": text},
            headers=world.merchant_a.headers,
        )
    )
    assert product["description"] == text
    # Every table is still there and the orders intact: the text was data, never SQL.
    assert len((await snapshot(container))["orders"]) == 7


async def test_search_wildcards_and_quotes_match_literally(api: httpx.AsyncClient) -> None:
    everything = ok(await api.get("/products"))["total"]
    assert everything >= 2
    # "runn_r" and "r%nner" would match "Runner" if the wildcards reached LIKE unescaped.
    for query in ("runn_r", "_", "' OR '1'='1", "x' OR 'a'='a' --", "r%nner%"):
        found = ok(await api.get("/products", params={"q": query}))
        assert found["total"] < everything, f"{query!r} matched {found['total']} products"
    for category in ("x' OR '1'='1", "1 OR 1=1", "%"):
        found = ok(await api.get("/products", params={"category": category}))
        assert found["total"] == 0, f"category {category!r} matched {found['total']} products"


async def test_the_longest_accepted_texts_fit_their_columns(
    api: httpx.AsyncClient, world: World
) -> None:
    """Maximum lengths the API accepts are stored (PostgreSQL enforces column lengths)."""
    cancelled = ok(
        await api.post(
            f"/orders/{world.pending_order_id}/cancel",
            json={"reason": "r" * 500},
            headers=world.owner.headers,
        )
    )
    assert cancelled["cancel_reason"] == "r" * 500
    shipped = ok(
        await api.post(
            f"/admin/orders/{world.paid_order_id}/ship",
            json={"tracking_id": "T" * 100},
            headers=world.merchant_a.headers,
        )
    )
    assert shipped["tracking_id"] == "T" * 100
    address = {**ADDRESS, "recipient": "🏠" * 100, "line1": "ℓ" * 200, "line2": "ü" * 200}
    created = ok(
        await api.post("/users/me/addresses", json=address, headers=world.owner.headers), 201
    )
    assert created["line1"] == "ℓ" * 200


def test_every_category_tries_enough_cases() -> None:
    counts = {kind: len(cases) for kind, cases in CASES.items()}
    assert all(count >= 5 for count in counts.values()), counts
