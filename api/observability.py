"""HTTP metrics and traces: request latency by route template, ``GET /metrics``, span attributes.

The latency histogram is labelled by the route *template* (``/api/v1/orders/{order_id}``), never
the raw path, so ids do not multiply the series; unmatched paths count as ``<unmatched>``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import Settings
from config.telemetry import configure_tracing, instrument_app
from services.kernel.metrics import HTTP_REQUEST_SECONDS

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The matched route's full path template, or ``<unmatched>``.

    FastAPI may keep an included router's routes relative to its prefix, so the prefix is
    recovered from the request path: the path minus the route's own part, filled in.
    """
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "<unmatched>"
    path = str(scope.get("path", ""))
    try:
        concrete = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return template
    if concrete and path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


class MetricsMiddleware:
    """Times every HTTP request (websockets are left alone: they last as long as a chat)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_template(scope)
            if route != "/metrics":
                HTTP_REQUEST_SECONDS.labels(
                    method=scope["method"], route=route, status=str(status)
                ).observe(time.perf_counter() - started)


def tag_user(user_id: str) -> None:
    """Put the acting user on the current span (the request's, when traced)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("enduser.id", user_id)


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Add the metrics middleware and route, and trace requests when tracing is on."""
    app.add_middleware(MetricsMiddleware)
    app.include_router(router)
    if configure_tracing(settings) is not None:
        instrument_app(app)
