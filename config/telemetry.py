"""OpenTelemetry tracing: set up once per process from settings.

Tracing is on when spans have somewhere to go (:mod:`config.trace_export`: an OTLP/HTTP endpoint
such as a collector's ``http://collector:4318``, ``OTEL_TRACES_EXPORTER``, or ``otel_console``
for spans printed in development; the standard ``OTEL_*`` variables are honoured). Then the
libraries with an instrumentation installed (the ``observability`` extra: FastAPI, httpx, Redis,
aiokafka) are traced, the SQL of each engine is traced from its events (:mod:`config.sql_tracing`)
and each service call becomes a span (:func:`trace_calls`); DomTok adds spans of its own where
none exists (Elasticsearch, the outbox relay, consumers, agent turns). Without an exporter,
spans are no-ops and cost next to nothing, and nothing is wrapped.

A chat turn reads, in one trace: HTTP request (or ``chat.cli``) → ``agent.turn`` →
``agent.model`` / ``agent.tool <name>`` → ``<Service>.<method>`` → SQL (and Redis, Kafka,
Elasticsearch where used).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from config.settings import Settings
from config.sql_tracing import trace_engine
from config.trace_export import build_exporters, exporter_names

log = logging.getLogger(__name__)

_state: dict[str, Any] = {"provider": None}
_tracer = trace.get_tracer("domtok.services")

# (module, class) of the library instrumentations used when installed.
_GLOBAL_INSTRUMENTORS: tuple[tuple[str, str], ...] = (
    ("opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor"),
    ("opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    ("opentelemetry.instrumentation.aiokafka", "AIOKafkaInstrumentor"),
)


def tracing_enabled(settings: Settings) -> bool:
    """True when spans go somewhere."""
    return bool(exporter_names(settings))


def configure_tracing(settings: Settings) -> TracerProvider | None:
    """Install the tracer provider and library instrumentations (once per process)."""
    if _state["provider"] is not None or not tracing_enabled(settings):
        return _state["provider"]  # type: ignore[no-any-return]
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": settings.otel_service_name,
                "deployment.environment": settings.environment,
            }
        )
    )
    for exporter in build_exporters(settings):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _state["provider"] = provider
    for module, name in _GLOBAL_INSTRUMENTORS:
        instrumentor = _instrumentor(module, name)
        if instrumentor is not None and not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
    return provider


def instrument_engine(settings: Settings, engine: Any) -> None:
    """Trace the SQL of an engine, sync or async (when tracing is on)."""
    if configure_tracing(settings) is not None:
        trace_engine(engine)


def tracing_on() -> bool:
    """True once this process has a tracer provider (spans are recorded)."""
    return _state["provider"] is not None


def trace_calls(service: object) -> None:
    """Make every public coroutine method of ``service`` a span ``<Class>.<method>``.

    The instance's methods are replaced, so callers (routes, tools, other services holding
    the same object) need no change; call it only when :func:`tracing_on`, so a process without
    tracing pays nothing.
    """
    owner = type(service)
    for name, _ in inspect.getmembers(owner, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            setattr(service, name, _traced(getattr(service, name), owner, name))


def _traced(
    method: Callable[..., Awaitable[Any]], owner: type, name: str
) -> Callable[..., Awaitable[Any]]:
    span_name = f"{owner.__name__}.{name}"
    attributes = {
        "code.namespace": f"{owner.__module__}.{owner.__qualname__}",
        "code.function": name,
    }

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        with _tracer.start_as_current_span(span_name, attributes=attributes):
            return await method(*args, **kwargs)

    return call


def instrument_app(app: Any) -> None:
    """Trace the requests of a FastAPI app (when tracing is on and the instrumentation is)."""
    if _state["provider"] is None:
        return
    instrumentor = _instrumentor("opentelemetry.instrumentation.fastapi", "FastAPIInstrumentor")
    if instrumentor is not None:
        instrumentor.instrument_app(app, excluded_urls="/metrics,/health")


def shutdown_tracing() -> None:
    """Flush and stop exporting (at process exit)."""
    provider = _state["provider"]
    if provider is not None:
        provider.shutdown()


def _instrumentor(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)()
    except ImportError:
        log.info("%s is not installed; that library is not traced", module)
        return None
