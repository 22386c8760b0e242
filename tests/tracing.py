"""Spans recorded in memory for a test: ``recorded_spans`` turns tracing on and collects them.

The OpenTelemetry API lets a process set its tracer provider once, so the provider is installed
the first time and shared; a switch records spans only while a test that asked for them runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

import config.telemetry as telemetry


class _Recorder(SpanProcessor):
    """Keeps ended spans while on."""

    def __init__(self) -> None:
        self.on = False
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            self.spans.append(span)


_recorder = _Recorder()
_installed: list[TracerProvider] = []


def _provider() -> TracerProvider:
    if not _installed:
        current = trace.get_tracer_provider()
        if not isinstance(current, TracerProvider):
            trace.set_tracer_provider(TracerProvider())
            current = trace.get_tracer_provider()
        assert isinstance(current, TracerProvider)
        current.add_span_processor(_recorder)
        _installed.append(current)
    return _installed[0]


@pytest.fixture
def recorded_spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ReadableSpan]]:
    """Tracing on for this test (engines, services and apps built during it are traced)."""
    monkeypatch.setitem(telemetry._state, "provider", _provider())
    _recorder.spans.clear()
    _recorder.on = True
    try:
        yield _recorder.spans
    finally:
        _recorder.on = False


def ancestry(span: ReadableSpan, spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    """``span``'s ancestors and itself, root first; every parent must be in ``spans`` and in
    ``span``'s trace."""
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    chain = [span]
    parent = span.parent
    while parent is not None:
        assert span.context is not None
        assert parent.trace_id == span.context.trace_id
        found = by_id.get(parent.span_id)
        assert found is not None, f"the parent of {chain[-1].name} was not recorded"
        chain.append(found)
        parent = found.parent
    return chain[::-1]


def label(span: ReadableSpan) -> str:
    """A span's name, or ``SQL <operation>`` for a database span."""
    operation = (span.attributes or {}).get("db.operation")
    return f"SQL {operation}" if operation else span.name
