"""Memory: resident set size of the API process idle and under load, and of the worker.

The API (demo shop on SQLite) and the bare FastAPI app run with the same uvicorn settings;
RSS is read from ``/proc`` after start-up, and sampled every 0.2 s during a ``wrk`` load of
product detail and search requests. The worker (``domtok worker``) is measured idle and while
it relays a backlog of outbox events; its baseline is an idle Python interpreter running
asyncio.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from bench.bench_api_ceiling import SEARCHES, product_paths
from bench.common import ROOT, Headline, Outcome, ratio, rss_mb
from bench.context import BenchContext
from bench.shop import server_env
from bench.webload import Server, clean_env, get_json, run_wrk
from config.settings import Settings
from services.kernel.db import create_engine, session_factory
from services.kernel.events import OutboxEvent
from services.kernel.ids import new_id

NAME = "memory"
DESCRIPTION = (
    "RSS of the API process idle and under wrk load vs the bare FastAPI app; RSS of the worker "
    "idle and relaying an outbox backlog vs an idle Python interpreter."
)
SETTLE_S = 2.0


class Sampler:
    """Samples a process's RSS in a thread until stopped."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(rss_mb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict[str, float]:
        """Peak and mean of the samples."""
        samples = [s for s in self.samples if s > 0] or [0.0]
        return {"peak_mb": max(samples), "mean_mb": round(sum(samples) / len(samples), 1)}


def _server_memory(
    ctx: BenchContext, factory: str, env: dict[str, str], paths: list[str]
) -> dict[str, Any]:
    seconds = ctx.seconds(10, 2)
    with Server(factory, env, ctx.workdir) as server:
        time.sleep(SETTLE_S)
        idle = rss_mb(server.pid)
        for path in paths[:3] + list(SEARCHES[:3]):
            get_json(server.url + path)
        warm = rss_mb(server.pid)
        with Sampler(server.pid) as sampler:
            load = run_wrk(server.url, paths + list(SEARCHES), seconds, 32)
        time.sleep(SETTLE_S)
        after = rss_mb(server.pid)
    return {
        "idle_after_start_mb": idle,
        "after_first_requests_mb": warm,
        "under_load": sampler.figures(),
        "after_load_mb": after,
        "load_requests": load["requests"],
        "load_connections": 32,
    }


async def _outbox_backlog(settings: Settings, count: int) -> None:
    engine = create_engine(settings.database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id("evt"),
            "topic": "domtok.bench",
            "event_type": "bench.noise",
            "aggregate_id": f"agg{n}",
            "payload": {"n": n, "text": "x" * 200},
            "created_at": now,
        }
        for n in range(count)
    ]
    try:
        async with session_factory(engine)() as session:
            await session.execute(insert(OutboxEvent), rows)
            await session.commit()
    finally:
        await engine.dispose()


async def _unpublished(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            query = select(func.count()).where(OutboxEvent.published_at.is_(None))
            return int(await session.scalar(query) or 0)
    finally:
        await engine.dispose()


async def _worker_memory(ctx: BenchContext, settings: Settings) -> dict[str, Any]:
    backlog = ctx.size(20_000, 1_000)
    await _outbox_backlog(settings, backlog)
    env = clean_env({**server_env(settings), "DOMTOK_OUTBOX_POLL_SECONDS": "0.5"})
    log = (ctx.workdir / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker"], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    started = time.perf_counter()
    try:
        with Sampler(proc.pid) as sampler:
            while await _unpublished(settings) and time.perf_counter() - started < 180:
                time.sleep(0.5)
        drained_s = time.perf_counter() - started
        left = await _unpublished(settings)
        time.sleep(SETTLE_S * 2)
        idle = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return {
        "backlog_events": backlog,
        "events_left": left,
        "relay_s_including_start": round(drained_s, 1),
        "relaying": sampler.figures(),
        "idle_after_relay_mb": idle,
    }


def _interpreter_rss() -> float:
    code = "import asyncio, time\nasyncio.run(asyncio.sleep(0))\nprint(flush=True)\ntime.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        return rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()


async def run(ctx: BenchContext) -> Outcome:
    """Bare app, our API, the worker, the interpreter."""
    settings = await ctx.fixtures.sqlite_demo("memory")
    paths = await product_paths(settings)
    bare = _server_memory(ctx, "bench.bare_app:app_factory", {}, paths)
    api = _server_memory(ctx, "api.app:app_factory", server_env(settings), paths)
    worker = await _worker_memory(ctx, settings)
    interpreter = _interpreter_rss()
    figures: dict[str, Any] = {
        "database": "sqlite (demo shop)",
        "api": api,
        "bare_app": bare,
        "worker": worker,
        "python_interpreter_idle_mb": interpreter,
        "api_idle_mb": api["idle_after_start_mb"],
        "bare_idle_mb": bare["idle_after_start_mb"],
        "idle_rss_ratio": ratio(api["idle_after_start_mb"], bare["idle_after_start_mb"]),
        "api_peak_under_load_mb": api["under_load"]["peak_mb"],
        "bare_peak_under_load_mb": bare["under_load"]["peak_mb"],
        "peak_under_load_rss_ratio": ratio(
            api["under_load"]["peak_mb"], bare["under_load"]["peak_mb"]
        ),
        "worker_peak_mb": worker["relaying"]["peak_mb"],
        "worker_peak_vs_interpreter_ratio": ratio(worker["relaying"]["peak_mb"], interpreter),
    }
    headlines = [
        Headline(
            "API RSS idle vs bare app",
            figures["api_idle_mb"],
            figures["bare_idle_mb"],
            "idle_rss_ratio",
            figures["idle_rss_ratio"],
            unit="MB",
        ),
        Headline(
            "API RSS peak under load vs bare app",
            figures["api_peak_under_load_mb"],
            figures["bare_peak_under_load_mb"],
            "peak_under_load_rss_ratio",
            figures["peak_under_load_rss_ratio"],
            unit="MB",
        ),
        Headline(
            "worker RSS peak (relaying backlog) vs idle interpreter",
            figures["worker_peak_mb"],
            interpreter,
            "worker_peak_vs_interpreter_ratio",
            figures["worker_peak_vs_interpreter_ratio"],
            unit="MB",
        ),
    ]
    notes = [
        f"worker relayed {worker['backlog_events'] - worker['events_left']:,} of "
        f"{worker['backlog_events']:,} outbox events in {worker['relay_s_including_start']} s "
        "(process start included)"
    ]
    return Outcome(figures, headlines, notes=notes)
