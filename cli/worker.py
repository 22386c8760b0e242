"""``domtok worker``: background jobs outside the API process — the order expiry sweeper, the
outbox relay, and (with Kafka) the consumer groups: the audit log and the search indexer."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager

import typer
from prometheus_client import start_http_server
from rich.console import Console

from config.settings import get_settings
from services.bootstrap import Container, bootstrap
from services.orders.expiry import ExpirySweeper

console = Console()


def worker(
    once: bool = typer.Option(False, "--once", help="Sweep once and exit (for cron or tests)."),
) -> None:
    """Expire unpaid orders past their payment window and release their stock, every
    DOMTOK_EXPIRY_SWEEP_SECONDS; relay outbox events (to Kafka when DOMTOK_KAFKA_BOOTSTRAP is
    set) and run the Kafka consumers (audit log, search indexer); serve Prometheus metrics on
    DOMTOK_WORKER_METRICS_HOST:DOMTOK_WORKER_METRICS_PORT (/metrics). Set
    DOMTOK_EXTERNAL_WORKER=true on API processes when this runs."""
    asyncio.run(_run(once))


async def _run(once: bool) -> None:
    settings = get_settings()
    container = bootstrap(settings)
    sweeper = ExpirySweeper(container.orders, settings.expiry_sweep_seconds)
    try:
        if once:
            console.print(f"expired {await sweeper.sweep()} order(s)")
            console.print(f"relayed {await container.events.relay.drain()} event(s)")
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        every = settings.expiry_sweep_seconds
        console.print(f"[bold]DomTok worker[/]: sweeping expired orders every {every}s")
        host = settings.worker_metrics_host
        with metrics_server(host, settings.worker_metrics_port) as port:
            if port is not None:
                console.print(f"metrics on http://{host}:{port}/metrics", soft_wrap=True)
            await asyncio.gather(sweeper.run(stop), *await _event_jobs(container, stop))
    finally:
        await container.aclose()


async def _event_jobs(container: Container, stop: asyncio.Event) -> list[Awaitable[None]]:
    """The relay, and with Kafka one loop per consumer group."""
    from services.events.consumers import build_consumers

    settings = container.settings
    jobs: list[Awaitable[None]] = [container.events.loop.run(stop)]
    sink = container.events.relay.sink_name
    console.print(f"relaying outbox events to {sink} every {settings.outbox_poll_seconds}s")
    if settings.kafka_bootstrap:
        consumers = await build_consumers(
            settings, container.sessions, container.clock, container.search
        )
        for consumer in consumers:
            console.print(f"consumer group {consumer.group_id} ({consumer.name})")
            jobs.append(consumer.run(stop))
    return jobs


@contextmanager
def metrics_server(host: str, port: int | None) -> Iterator[int | None]:
    """Serve this process's Prometheus metrics over HTTP (a daemon thread) while the block runs;
    yields the port bound (None when ``port`` is None: no server)."""
    if port is None:
        yield None
        return
    server, thread = start_http_server(port, addr=host)
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
