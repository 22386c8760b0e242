"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.chat_deps import chat_lifespan
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.observability import install_observability
from api.request_guard import RequestGuard
from api.routes import (
    admin_orders,
    admin_users,
    auth,
    carts,
    catalog,
    chat,
    coupons,
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

API_PREFIX = "/api/v1"


def _api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    router.include_router(health.router)
    router.include_router(auth.router)
    router.include_router(users.router)
    router.include_router(admin_users.router)
    router.include_router(catalog.router)
    router.include_router(carts.router)
    router.include_router(orders.router)
    router.include_router(payments.router)
    router.include_router(coupons.router)
    router.include_router(admin_orders.router)
    router.include_router(chat.router)
    return router


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
    app.include_router(_api_router())
    app.include_router(web.router)
    app.include_router(
        catalog.media_router,
        prefix=settings.media_url_prefix.rstrip("/"),
        responses=ERROR_RESPONSES,
    )
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory api.app:app_factory``."""
    return create_app()
