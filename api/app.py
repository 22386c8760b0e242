"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.chat_deps import chat_lifespan
from api.created import API_PREFIX
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.observability import install_observability
from api.openapi import install_openapi, operation_id
from api.request_guard import RequestGuard
from api.routes import (
    admin_orders,
    admin_users,
    auth,
    carts,
    catalog,
    chat,
    confirmations,
    coupons,
    docs,
    health,
    orders,
    payments,
    users,
    web,
)
from config.logging import configure_logging
from config.settings import Settings, get_settings
from services.bootstrap import Container, bootstrap
from services.kernel.background import BackgroundTask
from services.orders.expiry import BackgroundSweeper, ExpirySweeper


def _api_routers() -> list[APIRouter]:
    """The routers served under /api/v1, the hottest (catalog) first.

    Each is included on the app itself rather than through one /api/v1 router: FastAPI matches a
    request again at every level of nesting, so a level less is a cheaper request.
    """
    return [
        catalog.router,
        health.router,
        auth.router,
        users.router,
        admin_users.router,
        carts.router,
        orders.router,
        payments.router,
        coupons.router,
        admin_orders.router,
        chat.router,
        confirmations.router,
    ]


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app; pass a ready ``container`` in tests, or let the lifespan build one."""
    settings = settings or (container.settings if container else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        sweeper = relay = None
        if not settings.external_worker:
            interval = settings.expiry_sweep_seconds
            sweeper = BackgroundSweeper(ExpirySweeper(app.state.container.orders, interval))
            relay = BackgroundTask("outbox-relay", app.state.container.events.loop.run)
        try:
            async with chat_lifespan(app, app.state.container):
                yield
        finally:
            if sweeper is not None:
                await sweeper.stop()
            if relay is not None:
                await relay.stop()
            if owned:
                await app.state.container.aclose()

    app = FastAPI(
        title="DomTok",
        version="0.1.0",
        summary="A conversational shop: commerce REST API and a shopping agent.",
        lifespan=lifespan,
        openapi_url=docs.OPENAPI_URL,
        # Both of FastAPI's own pages load their scripts from a CDN; api/routes/docs.py serves
        # Swagger UI from the installed package instead.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    if container is not None:
        app.state.container = container
    configure_logging(settings)
    install_error_handlers(app)
    # Added before the metrics middleware, so refused requests are still counted.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.request_max_bytes,
        max_upload_bytes=settings.image_max_bytes,
    )
    install_observability(app, settings)
    app.include_router(health.router)
    routers = _api_routers()
    for router in routers:
        # The probes are documented once, at the root where orchestrators call them.
        documented = router is not health.router
        app.include_router(
            router, prefix=API_PREFIX, responses=ERROR_RESPONSES, include_in_schema=documented
        )
    app.include_router(web.router)
    app.include_router(docs.router)
    app.include_router(
        catalog.media_router,
        prefix=settings.media_url_prefix.rstrip("/"),
        responses=ERROR_RESPONSES,
    )
    install_openapi(app, routers)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory api.app:app_factory``."""
    return create_app()
