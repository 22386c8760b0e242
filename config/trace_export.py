"""Where spans go, from settings that honour the OpenTelemetry SDK's standard variables.

``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``, ``none``; comma-separated) picks the exporters;
unset, spans go over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (``/v1/traces`` appended) or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (used as is) is set. ``OTEL_SDK_DISABLED=true`` turns
tracing off. Each has a ``DOMTOK_`` twin that wins (see :class:`config.settings.Settings`). The
exporter itself reads ``OTEL_EXPORTER_OTLP_HEADERS``, ``..._TIMEOUT`` and ``..._COMPRESSION``,
the tracer provider ``OTEL_TRACES_SAMPLER``, the batch processor ``OTEL_BSP_*`` and the resource
``OTEL_RESOURCE_ATTRIBUTES``. Only OTLP over HTTP (``http/protobuf``, port 4318) is installed.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter

from config.settings import Settings

log = logging.getLogger(__name__)

KNOWN_EXPORTERS = ("otlp", "console")
HTTP_PROTOCOL = "http/protobuf"
GRPC_PORT = 4317


def exporter_names(settings: Settings) -> list[str]:
    """The exporters spans go to, in order (empty: tracing is off)."""
    if settings.otel_sdk_disabled:
        return []
    listed = [name.strip().lower() for name in settings.otel_traces_exporter.split(",")]
    listed = [name for name in listed if name]
    if "none" in listed:
        listed = []
    elif not listed and traces_endpoint(settings):
        listed = ["otlp"]
    if settings.otel_console:
        listed.append("console")
    for name in sorted(set(listed) - set(KNOWN_EXPORTERS)):
        log.warning("trace exporter %r is not supported (only otlp and console); ignored", name)
    return [name for name in dict.fromkeys(listed) if name in KNOWN_EXPORTERS]


def traces_endpoint(settings: Settings) -> str:
    """The OTLP/HTTP URL spans are posted to ('' : the exporter's default, localhost:4318)."""
    if settings.otel_exporter_otlp_traces_endpoint:
        return settings.otel_exporter_otlp_traces_endpoint
    base = settings.otel_exporter_otlp_endpoint
    return f"{base.rstrip('/')}/v1/traces" if base else ""


def build_exporters(settings: Settings) -> list[SpanExporter]:
    """One exporter per chosen name (an OTLP one only if it can work here)."""
    exporters: list[SpanExporter] = []
    for name in exporter_names(settings):
        exporter = _otlp(settings) if name == "otlp" else ConsoleSpanExporter()
        if exporter is not None:
            exporters.append(exporter)
    return exporters


def _otlp(settings: Settings) -> SpanExporter | None:
    protocol = settings.otel_exporter_otlp_protocol.strip().lower()
    if protocol != HTTP_PROTOCOL:
        log.warning(
            "OTLP protocol %r is not installed, spans are not exported: set "
            "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and the collector's HTTP port (4318)",
            protocol,
        )
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        log.warning("OTLP export is configured but the exporter is not installed (`observability`)")
        return None
    endpoint = traces_endpoint(settings)
    if endpoint and urlsplit(endpoint).port == GRPC_PORT:
        log.warning("%s is the OTLP/gRPC port; OTLP over HTTP listens on 4318", endpoint)
    return OTLPSpanExporter(endpoint=endpoint or None)
