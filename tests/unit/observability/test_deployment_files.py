"""The compose stack as written: migrations once, restart policies, OTLP over HTTP, the worker
scraped, and dashboard expressions over metrics DomTok registers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from prometheus_client import REGISTRY

import services.kernel.metrics  # noqa: F401  (registers every DomTok metric)

DOCKER = Path(__file__).resolve().parents[3] / "docker"
APP_SERVICES = ("api", "worker")


def _yaml(name: str) -> Any:
    return yaml.safe_load((DOCKER / name).read_text(encoding="utf-8"))


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _yaml("compose.yaml")["services"]
    return services


def dashboard_expressions() -> list[str]:
    """Every PromQL expression of the provisioned dashboards."""
    expressions = []
    for path in sorted((DOCKER / "grafana" / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
            expressions += [target["expr"] for target in panel["targets"]]
    return expressions


def test_migrations_run_once_before_the_api_and_the_worker() -> None:
    services = _services()
    migrate = services["migrate"]
    assert migrate["command"] == ["domtok", "migrate"]
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # The replicas no longer run the image's "migrate && serve" command.
    assert "migrate" not in " ".join(services["api"]["command"])


def test_every_long_running_service_restarts() -> None:
    services = _services()
    running = {name: spec for name, spec in services.items() if name != "migrate"}
    assert {name: spec.get("restart") for name, spec in running.items()} == dict.fromkeys(
        running, "unless-stopped"
    )


def test_traces_go_over_otlp_http_to_the_collectors_http_receiver() -> None:
    services = _services()
    receiver = _yaml("otel/config.yaml")["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        endpoint = urlsplit(environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert endpoint.port == 4318
        assert receiver.endswith(":4318")
        assert endpoint.hostname in services
        assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
        assert not [key for key in environment if "OTLP" in key and key.startswith("DOMTOK_")]
    assert services["worker"]["environment"]["OTEL_SERVICE_NAME"] == "domtok-worker"


def test_prometheus_scrapes_the_worker_on_its_metrics_port() -> None:
    worker = _services()["worker"]["environment"]
    assert worker["DOMTOK_WORKER_METRICS_HOST"] == "0.0.0.0"
    jobs = {job["job_name"]: job for job in _yaml("prometheus/prometheus.yml")["scrape_configs"]}
    (target,) = jobs["domtok-worker"]["dns_sd_configs"]
    assert target["names"] == ["worker"]
    assert target["port"] == int(worker["DOMTOK_WORKER_METRICS_PORT"])


def test_dashboards_chart_only_metrics_domtok_registers() -> None:
    known = {
        sample_name
        for metric in REGISTRY.collect()
        for sample_name in (
            metric.name,
            *(metric.name + suffix for suffix in ("_total", "_bucket", "_count", "_sum")),
        )
    }
    for expression in dashboard_expressions():
        used = set(re.findall(r"\bdomtok_[a-z_]+", expression))
        assert used, expression
        assert used <= known, (expression, used - known)


def test_no_dashboard_expression_hides_a_series_behind_or() -> None:
    # `a or b` drops every series of b whose labels match one of a: two label-less sums (orders
    # created "or" paid) never show b at all. Each series gets its own target instead.
    assert not [e for e in dashboard_expressions() if re.search(r"\bor\b", e)]
