"""Exporters from settings: the OpenTelemetry SDK's standard OTEL_* variables are honoured."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from config.trace_export import build_exporters, exporter_names, traces_endpoint
from tests.conftest import make_settings


def test_a_standard_endpoint_exports_over_otlp_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "domtok-api")
    settings = make_settings(tmp_path)
    assert settings.otel_service_name == "domtok-api"
    assert exporter_names(settings) == ["otlp"]
    (exporter,) = build_exporters(settings)
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == "http://collector:4318/v1/traces"


def test_the_traces_endpoint_is_used_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/custom")
    assert traces_endpoint(make_settings(tmp_path)) == "http://c:4318/custom"


def test_the_domtok_variable_wins_over_the_standard_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "standard")
    monkeypatch.setenv("DOMTOK_OTEL_SERVICE_NAME", "ours")
    assert make_settings(tmp_path).otel_service_name == "ours"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, []),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, []),
        ({"OTEL_TRACES_EXPORTER": "zipkin,console"}, ["console"]),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}, []),
    ],
)
def test_the_exporter_list_decides_where_spans_go(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    expected: list[str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(tmp_path)
    assert exporter_names(settings) == expected
    if expected == ["console"]:
        assert isinstance(build_exporters(settings)[0], ConsoleSpanExporter)


def test_grpc_is_refused_with_a_warning_naming_the_http_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    with caplog.at_level(logging.WARNING, logger="config.trace_export"):
        assert build_exporters(make_settings(tmp_path)) == []
    assert "4318" in caplog.text


def test_the_grpc_port_with_http_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    with caplog.at_level(logging.WARNING, logger="config.trace_export"):
        assert len(build_exporters(make_settings(tmp_path))) == 1
    assert "gRPC port" in caplog.text
