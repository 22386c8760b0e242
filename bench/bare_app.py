"""The baseline of the API ceiling: a bare FastAPI app that answers the same paths with a
constant JSON body (no database, no middleware), served by the same uvicorn settings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

BODY: dict[str, Any] = {"id": "prd_constant", "name": "Constant", "price": {"amount": 100}}


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory bench.bare_app:app_factory``."""
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Always up."""
        return {"status": "ok"}

    @app.get("/api/v1/products/{product_id}")
    async def product(product_id: str) -> dict[str, Any]:
        """The constant body, whatever the id."""
        return BODY

    @app.get("/api/v1/products")
    async def search(q: str = "") -> dict[str, Any]:
        """The constant body, whatever the query."""
        return BODY

    return app
