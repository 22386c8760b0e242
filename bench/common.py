"""What every benchmark shares: the result record, percentiles, ratios and machine facts."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PERCENTILES = (50.0, 75.0, 90.0, 95.0, 99.0, 99.9)


@dataclass
class Headline:
    """One comparison for the summary table: our figure, the baseline's, and their ratio."""

    measure: str
    ours: float
    baseline: float
    ratio_key: str
    ratio: float
    goal: str = ""
    met: bool | None = None
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return self.__dict__.copy()


@dataclass
class Outcome:
    """What a benchmark returns: its figures, the summary rows, and the latency series to plot."""

    figures: dict[str, Any]
    headlines: list[Headline] = field(default_factory=list)
    # label -> {percentile: milliseconds}, drawn in the latency plot.
    latency_series: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Correctness checks: {"check", "value", "expected", "passed"}.
    checks: list[dict[str, Any]] = field(default_factory=list)


def check(name: str, value: Any, expected: Any) -> dict[str, Any]:
    """A correctness check for the summary: ``value`` must equal ``expected``."""
    return {"check": name, "value": value, "expected": expected, "passed": value == expected}


def ratio(ours: float, baseline: float) -> float:
    """``ours / baseline`` rounded to 3 places (0 when the baseline is 0)."""
    return round(ours / baseline, 3) if baseline else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile by linear interpolation (values need not be sorted)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_ms(seconds: Iterable[float]) -> dict[str, float]:
    """p50 ... p99.9, mean and max of latencies given in seconds, as milliseconds."""
    values = [s * 1000 for s in seconds]
    if not values:
        return {}
    out = {f"p{_label(p)}_ms": round(percentile(values, p), 3) for p in PERCENTILES}
    out["mean_ms"] = round(statistics.fmean(values), 3)
    out["max_ms"] = round(max(values), 3)
    return out


def _label(pct: float) -> str:
    return f"{pct:g}".replace(".", "_")


def plot_series(latency: dict[str, float]) -> dict[str, float]:
    """The percentile points of a :func:`latency_ms` result, keyed ``"50"``, ``"99.9"``..."""
    return {
        f"{p:g}": latency[f"p{_label(p)}_ms"] for p in PERCENTILES if f"p{_label(p)}_ms" in latency
    }


def machine_info() -> dict[str, Any]:
    """Where the figures were measured (absolute numbers only compare within one machine)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu_model": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def write_result(
    name: str,
    description: str,
    outcome: Outcome,
    *,
    quick: bool,
    seconds: float,
    results_dir: Path = RESULTS,
) -> dict[str, Any]:
    """Write ``<results_dir>/<name>.json`` and return the record."""
    record: dict[str, Any] = {
        "benchmark": name,
        "description": description,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "wall_seconds": round(seconds, 1),
        "machine": machine_info(),
        "headlines": [h.as_dict() for h in outcome.headlines],
        "checks": outcome.checks,
        **outcome.figures,
        "notes": outcome.notes,
        "latency_series_ms": outcome.latency_series,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str) + "\n")
    tmp.replace(path)
    return record


class Stopwatch:
    """Accumulates seconds over many timed sections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def add(self, started: float) -> None:
        """Add the time since ``started`` (a ``time.perf_counter()`` value)."""
        self.seconds += time.perf_counter() - started
        self.count += 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process ``pid`` has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return 0.0
