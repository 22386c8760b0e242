"""Client spans for the SQL an engine runs, from SQLAlchemy's own engine events.

``opentelemetry-instrumentation-sqlalchemy`` refuses SQLAlchemy versions newer than it knows
(2.1 today) and then traces nothing, so DomTok listens to the engine itself: one span per cursor
execution, child of whatever span is current (for an async engine the greenlet running the sync
code inherits the awaiting task's context, so the parent is the service call that awaited it).
Spans carry the statement with its placeholders; bound parameters (addresses, card tokens,
password hashes) are never recorded.
"""

from __future__ import annotations

import weakref
from pathlib import PurePath
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

_tracer = trace.get_tracer("domtok.sql")
_SPAN = "_domtok_span"
# Long statements (multi-row inserts) are cut: the start says what ran, the rest costs memory.
MAX_STATEMENT = 2000
_traced: weakref.WeakSet[Engine] = weakref.WeakSet()


def trace_engine(engine: Engine | AsyncEngine) -> None:
    """Trace every statement of ``engine`` (sync, or async through its sync engine); once."""
    sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    if sync in _traced:
        return
    _traced.add(sync)
    attributes = _engine_attributes(sync)

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if context is not None:
            setattr(context, _SPAN, _start(statement, attributes))

    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", _after)
    event.listen(sync, "handle_error", _failed)


def _engine_attributes(engine: Engine) -> dict[str, Any]:
    url = engine.url
    system = engine.dialect.name
    name = PurePath(url.database).name if system == "sqlite" and url.database else url.database
    attributes: dict[str, Any] = {"db.system": system, "db.name": name or system}
    if url.host:
        attributes["server.address"] = url.host
    if url.port:
        attributes["server.port"] = url.port
    return attributes


def operation_of(statement: str) -> str:
    """The statement's first keyword (``SELECT``, ``INSERT``, ``BEGIN``…)."""
    words = statement.lstrip().split(None, 1)
    return words[0].upper() if words else "SQL"


def _start(statement: str, engine_attributes: dict[str, Any]) -> Span:
    operation = operation_of(statement)
    attributes = {
        **engine_attributes,
        "db.operation": operation,
        "db.statement": statement[:MAX_STATEMENT],
    }
    name = f"{operation} {engine_attributes['db.name']}"
    return _tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)


def _after(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    span = _take(context)
    if span is not None:
        span.end()


def _failed(exception_context: ExceptionContext) -> None:
    span = _take(exception_context.execution_context)
    if span is None:
        return
    error = exception_context.original_exception
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()


def _take(context: Any) -> Span | None:
    span: Span | None = getattr(context, _SPAN, None)
    if span is not None:
        setattr(context, _SPAN, None)
    return span
