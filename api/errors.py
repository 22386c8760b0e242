"""Error mapping: every failure leaves as ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.kernel.errors import RateLimited, ShopError

log = logging.getLogger(__name__)
# Seconds a 429 without a more precise wait asks the client to stay away (the limiters' window).
DEFAULT_RETRY_AFTER = 60

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


# Codes of errors that reach a model (the τ² desk, MCP), never a REST client.
_NOT_REST = ("services.tau.", "api.mcp.")
_FRAMEWORK_CODES = ("internal_error", "http_error", "validation_error")


def _subclasses(cls: type[ShopError]) -> Iterator[type[ShopError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_codes() -> list[str]:
    """Every ``error.code`` the API can answer with, sorted: the shop's errors and HTTP's own."""
    shop = {c.code for c in _subclasses(ShopError) if not c.__module__.startswith(_NOT_REST)}
    return sorted(shop | set(_HTTP_CODES.values()) | set(_FRAMEWORK_CODES))


def _code_enum(schema: dict[str, Any]) -> None:
    # Filled in when the schema is built, once every context has defined its errors.
    schema["enum"] = error_codes()


class ErrorInfo(BaseModel):
    """What went wrong: a stable machine-readable code, a sentence, and specifics."""

    code: str = Field(
        description="Stable error code, e.g. order_not_found", json_schema_extra=_code_enum
    )
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: ErrorInfo


# Documented on every API route, so clients (and schema-driven tests) know the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "The request was refused (see error.code)"},
    "5XX": {"model": ErrorOut, "description": "The shop failed or a dependency is unavailable"},
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error envelope."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


async def _shop_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShopError)
    headers = None
    if exc.status_code == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif exc.status_code == 429:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else DEFAULT_RETRY_AFTER
        headers = {"Retry-After": str(retry_after)}
    return JSONResponse({"error": exc.to_dict()}, exc.status_code, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"][1:]) or "body"
    message = f"{where}: {first['msg']}"
    return JSONResponse(error_body("validation_error", message, {"errors": problems}), 422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 429:
        headers.setdefault("Retry-After", str(DEFAULT_RETRY_AFTER))
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=headers or None)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "Something went wrong on our side."), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ShopError, _shop_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
