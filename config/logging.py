"""Logging set-up: JSON lines in production, readable text in development."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from config.settings import Settings


def trace_ids() -> dict[str, str]:
    """``trace_id`` and ``span_id`` (hex) of the current span, or nothing outside one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the fields log pipelines expect."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(trace_ids())
        for key in ("trace_id", "span_id", "user_id", "thread_id"):
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


_SECRET_PARAM = re.compile(
    r"(?i)\b((?:access_|refresh_|payment_)?token|password|secret|api_key)=([^&\s\"']+)"
)
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")
# uvicorn logs every request's path and query string (access log, WebSocket handshakes).
_URL_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """``text`` without tokens or passwords passed as query parameters, nor JWTs."""
    return _JWT.sub("[jwt]", _SECRET_PARAM.sub(r"\1=[redacted]", text))


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments so no credential reaches a log line.

    The chat WebSocket accepts ``?token=<access token>``; the URL is logged by the server.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Install one stderr handler on the root logger (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_domtok", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._domtok = True  # type: ignore[attr-defined]
    as_json = (
        settings.environment == "production" if settings.log_json is None else settings.log_json
    )
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    for name in _URL_LOGGERS:
        server_logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in server_logger.filters):
            server_logger.addFilter(RedactSecrets())
