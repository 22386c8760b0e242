"""Run the benchmarks: ``python -m bench.run [--quick] [names...]`` (``make bench`` runs all).

Starts the servers it needs through ``scripts/services/services.sh`` (and stops only those it
started), runs each benchmark, writes ``<results>/<name>.json``, ``SUMMARY.md`` and
``latency_percentiles.png``. A benchmark whose server is missing records why and is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.common import RESULTS, Outcome, write_result
from bench.context import BenchContext, Skipped
from bench.report import write_plot, write_summary
from bench.servers import Databases, Servers
from bench.shop import Fixtures

log = logging.getLogger("bench")

# name -> module in bench/ (each has NAME, DESCRIPTION and ``async def run(ctx) -> Outcome``).
BENCHMARKS = {
    "api_ceiling": "bench.bench_api_ceiling",
    "checkout": "bench.bench_checkout",
    "flash_sale": "bench.bench_flash_sale",
    "agent_overhead": "bench.bench_agent_overhead",
    "search": "bench.bench_search",
    "search_relevance": "bench.bench_relevance",
    "memory": "bench.bench_memory",
    "llm_overhead": "bench.llm_overhead",
}
NEEDS_WRK = {"api_ceiling", "memory"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and short runs (a smoke test)"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="where results go")
    parser.add_argument(
        "--profile", action="store_true", help="always profile the API (pyinstrument)"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    return args


def ensure_wrk() -> None:
    """Install Debian's ``wrk`` (the HTTP load tool) when it is missing."""
    if shutil.which("wrk"):
        return
    log.info("installing wrk (apt-get)")
    for command in (["apt-get", "install", "-y", "-q", "wrk"], ["apt-get", "update", "-q"]):
        subprocess.run(command, capture_output=True, check=False, timeout=600)
        if shutil.which("wrk"):
            return
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, check=False)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing and `apt-get install wrk` failed")


def run_one(name: str, ctx: BenchContext, profile: bool) -> None:
    """Run a benchmark and write its result (or why it was skipped or failed)."""
    module: ModuleType = importlib.import_module(BENCHMARKS[name])
    description: str = module.DESCRIPTION
    runner: Callable[..., Coroutine[Any, Any, Outcome]] = module.run
    log.info("== %s: %s", name, description)
    started = time.perf_counter()
    load_at_start = round(os.getloadavg()[0], 2)
    try:
        kwargs = {"profile": True} if profile and name == "api_ceiling" else {}
        outcome: Outcome = asyncio.run(runner(ctx, **kwargs))
    except Skipped as exc:
        log.warning("%s skipped: %s", name, exc)
        outcome = Outcome({"skipped": str(exc)})
    except Exception as exc:  # one broken benchmark must not hide the others' results
        log.error("%s failed:\n%s", name, traceback.format_exc())
        outcome = Outcome({"error": f"{type(exc).__name__}: {exc}"})
    seconds = time.perf_counter() - started
    # Other work on the machine skews absolute figures; the ratios are measured side by side.
    outcome.figures.setdefault("load_average_1m_at_start", load_at_start)
    record = write_result(
        name, description, outcome, quick=ctx.quick, seconds=seconds, results_dir=ctx.results_dir
    )
    for headline in record["headlines"]:
        log.info(
            "   %s: %s = %s (goal %s)",
            name,
            headline["ratio_key"],
            headline["ratio"],
            headline["goal"] or "-",
        )
    log.info("   %s done in %.0fs", name, seconds)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; 0 unless a benchmark crashed."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s bench %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "elastic_transport", "aiokafka", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parse_args(argv)
    names = args.names or list(BENCHMARKS)
    if NEEDS_WRK & set(names):
        ensure_wrk()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="domtok-bench-"))
    servers = Servers()
    databases = Databases(servers.postgres_url())
    ctx = BenchContext(
        quick=args.quick,
        servers=servers,
        fixtures=Fixtures(workdir, databases),
        databases=databases,
        results_dir=args.results_dir,
        workdir=workdir,
    )
    started = time.perf_counter()
    try:
        for name in names:
            run_one(name, ctx, args.profile)
    finally:
        if databases.created:
            asyncio.run(databases.drop_all())
        if {"api_ceiling", "flash_sale"} & set(names):
            servers.clear_bench_redis()
        servers.stop_started()
        shutil.rmtree(workdir, ignore_errors=True)
    summary = write_summary(args.results_dir)
    plot = write_plot(args.results_dir)
    log.info("all done in %.0fs: %s, %s", time.perf_counter() - started, summary, plot)
    failed = [n for n in names if _failed(args.results_dir, n)]
    if failed:
        log.error("failed: %s", ", ".join(failed))
    return 1 if failed else 0


def _failed(results_dir: Path, name: str) -> bool:
    import json

    path = results_dir / f"{name}.json"
    return not path.exists() or "error" in json.loads(path.read_text())


if __name__ == "__main__":
    sys.exit(main())
