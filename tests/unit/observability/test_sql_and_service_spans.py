"""SQL spans from engine events (statements without their parameters) and service spans."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.trace import SpanKind
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

import config.telemetry as telemetry
from config.sql_tracing import operation_of, trace_engine
from config.telemetry import trace_calls
from services.bootstrap import bootstrap
from tests.conftest import make_settings
from tests.tracing import ancestry, recorded_spans

__all__ = ["recorded_spans"]

_outer = trace.get_tracer("test")


def test_a_sync_engine_traces_each_statement_without_its_parameters(
    recorded_spans: list[ReadableSpan],
) -> None:
    engine = create_engine("sqlite://")
    trace_engine(engine)
    trace_engine(engine)  # a second call adds no second span per statement
    with _outer.start_as_current_span("service"), engine.connect() as connection:
        connection.execute(text("SELECT :secret"), {"secret": "4242-card"})
        with pytest.raises(OperationalError):
            connection.execute(text("SELECT * FROM missing"))
    ok, failed = [s for s in recorded_spans if s.kind is SpanKind.CLIENT]
    assert ok.attributes is not None
    assert ok.attributes["db.system"] == "sqlite"
    assert ok.attributes["db.operation"] == "SELECT"
    assert ok.attributes["db.statement"] == "SELECT ?"
    assert "4242-card" not in str(dict(ok.attributes))
    assert [s.name for s in ancestry(ok, recorded_spans)] == ["service", "SELECT sqlite"]
    assert ok.status.is_unset
    assert not failed.status.is_ok
    engine.dispose()


async def test_an_async_engine_traces_under_the_awaiting_span(
    recorded_spans: list[ReadableSpan],
) -> None:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    trace_engine(engine)
    with _outer.start_as_current_span("service"):
        async with engine.connect() as connection:
            await connection.execute(text("select 1"))
    await engine.dispose()
    (sql,) = [s for s in recorded_spans if s.kind is SpanKind.CLIENT]
    assert [s.name for s in ancestry(sql, recorded_spans)] == ["service", "SELECT :memory:"]


def test_the_operation_is_the_first_keyword() -> None:
    assert operation_of("  insert into t values (1)") == "INSERT"
    assert operation_of("") == "SQL"


class _Service:
    def __init__(self) -> None:
        self.calls = 0

    async def find(self, key: str) -> str:
        with _outer.start_as_current_span("query"):
            self.calls += 1
            return key.upper()

    async def _helper(self) -> None:
        """Private: not a span."""


async def test_each_public_service_call_is_a_span_around_its_work(
    recorded_spans: list[ReadableSpan],
) -> None:
    service = _Service()
    trace_calls(service)
    assert await service.find("a") == "A"
    await service._helper()
    query = next(s for s in recorded_spans if s.name == "query")
    assert [s.name for s in ancestry(query, recorded_spans)] == ["_Service.find", "query"]
    assert {s.name for s in recorded_spans} == {"_Service.find", "query"}
    assert service.calls == 1


async def test_services_are_wrapped_only_when_tracing_is_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = bootstrap(make_settings(tmp_path))
    assert "search_products" not in vars(plain.catalog)
    await plain.aclose()
    monkeypatch.setitem(telemetry._state, "provider", TracerProvider())
    traced = bootstrap(make_settings(tmp_path))
    assert "search_products" in vars(traced.catalog)
    assert "place" in vars(traced.orders)
    await traced.aclose()
