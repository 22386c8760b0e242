"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import Services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(container: Services) -> JSONResponse | dict[str, str]:
    """Readiness: the database answers."""
    try:
        await container.check_database()
    except Exception as exc:  # any driver error means "not ready"
        body = {"status": "unavailable", "database": type(exc).__name__}
        return JSONResponse(body, status_code=503)
    return {"status": "ok", "database": "ok"}
