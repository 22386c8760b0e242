"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.errors import install_error_handlers
from api.routes import health
from config.logging import configure_logging
from config.settings import Settings, get_settings
from services.bootstrap import Container, bootstrap

API_PREFIX = "/api/v1"


def _api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(health.router)
    return router


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app; pass a ready ``container`` in tests, or let the lifespan build one."""
    settings = settings or (container.settings if container else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        try:
            yield
        finally:
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
    app.include_router(health.router)
    app.include_router(_api_router())
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory api.app:app_factory``."""
    return create_app()
