"""The authorization matrix through HTTP: every id-taking route, every kind of caller.

Refused calls run first, each checked to leave every shop table exactly as it was (no
cross-user write, not even a partial one); the callers allowed to act run last. A new route that
takes an id fails :func:`test_every_id_taking_route_is_in_the_matrix` until it has a row.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from pydantic import BaseModel
from starlette.routing import WebSocketRoute

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container
from tests.e2e.catalog_helpers import SignedIn
from tests.reliability.authz_body_table import BODY_MATRIX, NOT_REFERENCES, REACH
from tests.reliability.authz_table import MATRIX, Rule, idempotency_key
from tests.reliability.world import PNG, World, ok, snapshot


def _flat_routes(routes: list[Any]) -> list[Any]:
    """Routes with their full paths: FastAPI >= 0.13x keeps included routers nested."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(iterate(routes)) if iterate is not None else list(routes)


def id_taking_routes(container: Container) -> set[tuple[str, str]]:
    """(method, path template) of every route of the app whose path holds a parameter."""
    app = create_app(container=container)
    found: set[tuple[str, str]] = set()
    for route in _flat_routes(app.routes):
        path = getattr(route, "path_format", None) or getattr(route, "path", None) or ""
        if "{" not in path:
            continue
        original = getattr(route, "original_route", route)
        if isinstance(original, APIWebSocketRoute | WebSocketRoute):
            found.add(("WS", path))
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, path))
    return found


async def test_every_id_taking_route_is_in_the_matrix(container: Container) -> None:
    routes = id_taking_routes(container)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes taking an id with no row in the authorization matrix: {missing}"
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def id_fields(annotation: Any, prefix: str = "") -> set[str]:
    """Dotted names of the fields ending in ``_id`` or ``_ids`` of a body model, nested too."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        return set().union(*(id_fields(arg, prefix) for arg in typing.get_args(annotation)))
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return set()
    found: set[str] = set()
    for name, info in annotation.model_fields.items():
        if name.endswith(("_id", "_ids")):
            found.add(prefix + name)
        found |= id_fields(info.annotation, f"{prefix}{name}.")
    return found


def body_id_routes(container: Container) -> set[tuple[str, str, str]]:
    """(method, path template, field) of every id-like field in a route's request body."""
    app = create_app(container=container)
    found: set[tuple[str, str, str]] = set()
    for route in _flat_routes(app.routes):
        original = getattr(route, "original_route", route)
        if not isinstance(original, APIRoute):
            continue
        path = getattr(route, "path_format", None) or original.path_format
        for param in original.dependant.body_params:
            for name in id_fields(param.field_info.annotation):
                found |= {(method, path, name) for method in original.methods}
    return found


async def test_every_id_in_a_request_body_is_in_the_body_matrix(container: Container) -> None:
    fields = (body_id_routes(container) - NOT_REFERENCES) | REACH
    rows = {(method, path, label.split(" ")[0]) for method, path, label in BODY_MATRIX}
    assert not sorted(fields - rows), f"body ids with no row in the body matrix: {fields - rows}"
    assert not sorted(rows - fields), f"body matrix rows naming no body field: {rows - fields}"


def _headers(world: World, actor: str) -> dict[str, str]:
    who: dict[str, SignedIn | None] = {
        "owner": world.owner.who,
        "other": world.other.who,
        "banned": world.banned.who,
        "merchant_a": world.merchant_a,
        "merchant_b": world.merchant_b,
        "admin": world.admin,
        "anonymous": None,
    }
    found = who[actor]
    return dict(found.headers) if found is not None else {}


async def call(
    client: httpx.AsyncClient, world: World, method: str, template: str, rule: Rule, actor: str
) -> httpx.Response:
    """One request of ``actor`` to the route, with the rule's ids and body."""
    path = template.format(**rule.fill(world))
    url = f"http://test{path}"
    headers = _headers(world, actor)
    if rule.idempotent:
        headers["Idempotency-Key"] = idempotency_key()
    kwargs: dict[str, Any] = {"headers": headers}
    if rule.upload:
        kwargs["files"] = {"file": ("b.png", PNG, "image/png")}
    elif rule.body is not None:
        kwargs["json"] = rule.body(world)
    return await client.request(method, url, **kwargs)


@pytest.fixture
def settings(world_copy: tuple[Settings, World]) -> Settings:
    """Settings over this test's copy of the world."""
    return world_copy[0]


@pytest.mark.parametrize(
    ("method", "template"), sorted(MATRIX), ids=[f"{m} {p}" for m, p in sorted(MATRIX)]
)
async def test_route_answers_each_caller_as_the_matrix_says(
    client: httpx.AsyncClient, container: Container, world: World, method: str, template: str
) -> None:
    rule = MATRIX[(method, template)]
    refused = [actor for actor, status in rule.expect.items() if status >= 400]
    allowed = [actor for actor, status in rule.expect.items() if status < 400]
    for actor in refused:
        before = await snapshot(container)
        response = await call(client, world, method, template, rule, actor)
        expected = rule.expect[actor]
        assert response.status_code == expected, (
            f"{actor}: {method} {template} gave {response.status_code}, "
            f"expected {expected}: {response.text[:300]}"
        )
        assert set(response.json()) == {"error"}, response.text
        assert await snapshot(container) == before, f"{actor}'s refused call changed the shop"
    for actor in allowed:
        response = await call(client, world, method, template, rule, actor)
        assert response.status_code == rule.expect[actor], (
            f"{actor}: {method} {template} gave {response.status_code}: {response.text[:300]}"
        )


@pytest.mark.parametrize(
    ("method", "template", "field"),
    sorted(BODY_MATRIX),
    ids=[f"{m} {p} {f}" for m, p, f in sorted(BODY_MATRIX)],
)
async def test_an_id_in_the_body_answers_each_caller_as_the_matrix_says(
    client: httpx.AsyncClient,
    container: Container,
    world: World,
    method: str,
    template: str,
    field: str,
) -> None:
    row = BODY_MATRIX[(method, template, field)]
    refused = [actor for actor, status in row.expect.items() if status >= 400]
    allowed = [actor for actor, status in row.expect.items() if status < 400]
    for actor in refused + allowed:
        before = await snapshot(container)
        response = await call(client, world, method, template, row.rule_for(actor), actor)
        assert response.status_code == row.expect[actor], (
            f"{actor}: {method} {template} ({field}) gave {response.status_code}, "
            f"expected {row.expect[actor]}: {response.text[:300]}"
        )
        if actor in refused:
            assert set(response.json()) == {"error"}, response.text
            assert await snapshot(container) == before, f"{actor}'s refused call changed the shop"


async def test_lists_never_show_another_users_resources(
    client: httpx.AsyncClient, world: World
) -> None:
    owner_ids = {
        world.owner.address_id,
        world.owner.card_id,
        world.pending_order_id,
        world.paid_order_id,
        world.delivered_order_id,
        world.thread_id,
        world.return_id,
    }
    lists = [
        "/orders",
        "/payments",
        "/users/me/addresses",
        "/users/me/payment-methods",
        "/users/me/coupons",
        "/chat/threads",
        "/cart",
    ]
    for who in (world.other, world.merchant_b):
        for path in lists:
            text = ok(await client.get(path, headers=who.headers))
            leaked = [item for item in owner_ids if item in str(text)]
            assert not leaked, f"{path} shows the owner's {leaked} to another user"


async def test_a_merchant_lists_only_orders_of_their_own_shop(
    client: httpx.AsyncClient, world: World
) -> None:
    theirs = ok(await client.get("/admin/orders", headers=world.merchant_b.headers))
    assert theirs["items"] == []
    assert theirs["total"] == 0
    mine = ok(await client.get("/admin/orders", headers=world.merchant_a.headers))
    assert world.paid_order_id in {order["id"] for order in mine["items"]}


async def test_a_banned_owner_loses_access_to_their_own_resources_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    ok(await client.post(f"/admin/users/{world.owner.user_id}/ban", headers=world.admin.headers))
    for path in (f"/orders/{world.pending_order_id}", "/users/me", "/cart"):
        response = await client.get(path, headers=world.owner.headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "account_banned"


async def test_a_leaked_payment_token_is_useless_to_another_user(
    client: httpx.AsyncClient, world: World
) -> None:
    """Another user holding the owner's token cannot pay their own order with it either."""
    order_id = await _order_of(client, world)
    body = {"payment_method_id": world.other.card_id, "payment_token": world.payment_token}
    headers = {**world.other.headers, "Idempotency-Key": idempotency_key()}
    response = await client.post(f"/orders/{order_id}/pay", json=body, headers=headers)
    assert response.status_code in (400, 404, 409, 422), response.text
    order = ok(await client.get(f"/orders/{order_id}", headers=world.other.headers))
    assert order["status"] == "pending_payment"


async def _order_of(client: httpx.AsyncClient, world: World) -> str:
    body = {
        "address_id": world.other.address_id,
        "items": [{"variant_id": world.variant_id, "quantity": 1}],
    }
    return str(ok(await client.post("/orders", json=body, headers=world.other.headers), 201)["id"])
