"""JSON logs carry the current trace and span ids; tracing stays off unless configured."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider

from config.logging import JsonFormatter, trace_ids
from config.telemetry import tracing_enabled
from tests.conftest import make_settings


def _record() -> logging.LogRecord:
    return logging.LogRecord("domtok.test", logging.INFO, __file__, 1, "hello %s", ("you",), None)


def test_json_log_lines_carry_the_ids_of_the_current_span() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        line = json.loads(JsonFormatter().format(_record()))
    context = span.get_span_context()
    assert line["message"] == "hello you"
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"


def test_json_log_lines_outside_a_span_have_no_trace_ids() -> None:
    assert trace_ids() == {}
    assert "trace_id" not in json.loads(JsonFormatter().format(_record()))


def test_tracing_is_on_only_with_an_exporter(tmp_path: Path) -> None:
    assert not tracing_enabled(make_settings(tmp_path))
    assert tracing_enabled(make_settings(tmp_path, otel_console=True))
    assert tracing_enabled(make_settings(tmp_path, otel_exporter_otlp_endpoint="http://c:4318"))
