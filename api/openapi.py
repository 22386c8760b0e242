"""The OpenAPI schema as clients read it: operation ids, tag descriptions, enums, stream types.

FastAPI's defaults name operations after route and path (``get_product_api_v1_products__…``)
and describe a Server-Sent Events route as JSON; this module gives operations their route's
name, describes each tag, lists the error codes and order statuses as enums, documents the
event streams as ``text/event-stream`` and the ``Location`` of 201 responses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sse_starlette import EventSourceResponse

from services.orders.state_machine import OrderStatus

TAGS: list[dict[str, str]] = [
    {"name": "catalog", "description": "Browse and search products (public); staff manage them."},
    {"name": "health", "description": "Liveness and readiness probes."},
    {"name": "auth", "description": "Register, log in, refresh and revoke bearer tokens."},
    {"name": "users", "description": "Your account: addresses and payment methods."},
    {"name": "admin", "description": "Accounts and gift cards (admins only)."},
    {"name": "cart", "description": "Your cart: lines follow current prices and stock."},
    {"name": "orders", "description": "Place, change, cancel, return and exchange your orders."},
    {"name": "payments", "description": "Pay an order (token, then payment) and payment history."},
    {"name": "coupons", "description": "Coupons: staff create them, shoppers claim and use them."},
    {"name": "admin: orders", "description": "Ship, deliver, complete returns (staff)."},
    {"name": "chat", "description": "The shopping assistant: JSON, Server-Sent Events, threads."},
    {
        "name": "confirmations",
        "description": "Approve or reject what an outside (MCP) assistant asked to do for you.",
    },
    {"name": "media", "description": "Uploaded files (product images)."},
]

SSE_DESCRIPTION = (
    "A Server-Sent Events stream of the turn: `token` (reply text), `tool_call`, `tool_result`, "
    "`confirmation_required`, then `done` (the whole reply, as the JSON route returns it) or "
    "`error` (`{code, message}`). Each event's data is one JSON object."
)
LOCATION_HEADER = {
    "description": "Where the new resource is (or, without a URL of its own, what lists it)",
    "schema": {"type": "string"},
}
# 201s that create something without any URL: a gift card is only ever used by its code.
_NO_LOCATION = frozenset({"issue_gift_card"})
SSE_EVENTS = ["token", "tool_call", "tool_result", "confirmation_required", "done", "error"]
# The schema of one event of the stream (clients and schemathesis read it per event).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": SSE_EVENTS},
        "data": {"type": "string", "description": "One JSON object"},
    },
}
# Schemas whose fields the domain types as plain strings but that only take known values.
_ENUM_FIELDS: dict[tuple[str, str], list[str]] = {
    ("OrderOut", "status"): [status.value for status in OrderStatus],
}


def operation_id(route: APIRoute) -> str:
    """An operation's id is its route's name (the function's): ``get_product``."""
    return route.name


def install_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Make ``app.openapi()`` build (once) the schema described above; ``routers`` are the
    app's routers (their streaming routes are documented as such)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
                tags=TAGS,
            )
            _check_unique_ids(schema)
            _add_enums(schema)
            _document_streams(routers, schema)
            _document_locations(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _check_unique_ids(schema: dict[str, Any]) -> None:
    counts = Counter(op["operationId"] for _, _, op in _operations(schema))
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise RuntimeError(f"operation ids used twice (rename the routes): {repeated}")


def _add_enums(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for (model, field), values in _ENUM_FIELDS.items():
        if model in components:
            components[model]["properties"][field]["enum"] = values


def _document_streams(routers: Sequence[APIRouter], schema: dict[str, Any]) -> None:
    # Operation ids are route names, so a streaming route's operation is found by its name.
    streams = {
        route.name
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.response_class is EventSourceResponse
    }
    for _, _, operation in _operations(schema):
        if operation["operationId"] in streams:
            operation["responses"]["200"] = {
                "description": SSE_DESCRIPTION,
                "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
            }


def _document_locations(schema: dict[str, Any]) -> None:
    for _, _, operation in _operations(schema):
        created = operation["responses"].get("201")
        if created is not None and operation["operationId"] not in _NO_LOCATION:
            created.setdefault("headers", {})["Location"] = LOCATION_HEADER
