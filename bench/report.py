"""The run's summary (``SUMMARY.md``) and latency plot (``latency_percentiles.png``).

Both are rebuilt from every ``<name>.json`` in the results directory, so running one
benchmark refreshes its row and keeps the others' latest figures.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("bench")

SUMMARY = "SUMMARY.md"
PLOT = "latency_percentiles.png"


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    """Every benchmark record in the directory, by name."""
    records = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(record, dict):
            record.setdefault("benchmark", path.stem)
            records.append(record)
    return records


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _one_line(text: str, limit: int = 300) -> str:
    """A table cell: the last non-empty line of a message (a traceback's error), shortened."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return (last[: limit - 3] + "...") if len(last) > limit else last.replace("|", "/")


def _met(value: Any) -> str:
    return {True: "yes", False: "**no**", None: "-"}.get(value, str(value))


def summary_markdown(records: list[dict[str, Any]]) -> str:
    """The table of ratios and the notes of every benchmark."""
    lines = [
        "# DomTok benchmarks",
        "",
        "Every ratio is ours / baseline, both measured in the same run on the same machine "
        "(absolute figures on a shared 2-core machine are noise; ratios are what to compare). "
        "For latencies and memory lower is better, for throughput higher. Written by "
        "`python -m bench.run`; raw figures in the JSON files beside this one.",
        "",
        "| benchmark | measure | ours | baseline | ratio | goal | met | date |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for record in records:
        name, date = record["benchmark"], str(record.get("date", ""))[:16].replace("T", " ")
        quick = " (quick)" if record.get("quick") else ""
        if "skipped" in record or "error" in record:
            why = _one_line(str(record.get("skipped") or record.get("error")))
            state = "skipped" if "skipped" in record else "FAILED"
            lines.append(f"| {name}{quick} | {state}: {why} | | | | | | {date} |")
            continue
        for h in record.get("headlines", []):
            unit = f" {h['unit']}" if h.get("unit") else ""
            lines.append(
                f"| {name}{quick} | {h['measure']} (`{h['ratio_key']}`) | {_fmt(h['ours'])}{unit} "
                f"| {_fmt(h['baseline'])}{unit} | **{_fmt(h['ratio'])}** | {h.get('goal') or '-'} "
                f"| {_met(h.get('met'))} | {date} |"
            )
    checks = [(r["benchmark"], c) for r in records for c in r.get("checks", [])]
    if checks:
        lines += [
            "",
            "## Correctness checks",
            "",
            "| benchmark | check | value | expected | passed |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        lines += [
            f"| {name} | {c['check']} | {c['value']} | {c['expected']} | "
            f"{'yes' if c['passed'] else '**NO**'} |"
            for name, c in checks
        ]
    machine = next((r["machine"] for r in records if r.get("machine")), None)
    if machine:
        dirty = " (uncommitted changes)" if machine.get("git_dirty") else ""
        lines += [
            "",
            f"Machine: {machine.get('cpu_model')}, {machine.get('cpu_count')} cores, "
            f"{machine.get('memory_gb')} GB, Python {machine.get('python')}, "
            f"commit {machine.get('git_commit')}{dirty}.",
        ]
    notes = [(r["benchmark"], n) for r in records for n in r.get("notes", [])]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- **{name}**: {note}" for name, note in notes]
    lines += ["", f"Latency percentiles: [{PLOT}]({PLOT}).", ""]
    return "\n".join(lines)


def write_summary(results_dir: Path) -> Path:
    """Write ``SUMMARY.md``; returns its path."""
    path = results_dir / SUMMARY
    path.write_text(summary_markdown(load_results(results_dir)))
    return path


def write_plot(results_dir: Path) -> Path | None:
    """Draw every benchmark's latency percentiles (log scale), one panel per benchmark.

    Returns None when there is nothing to draw or matplotlib (the ``bench`` extra, which
    ``make bench`` installs) is missing; the JSON results and the summary do not need it.
    """
    try:
        import matplotlib
    except ImportError:
        log.warning("no plot: matplotlib is missing (pip install -e '.[bench]')")
        return None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (r["benchmark"], r["latency_series_ms"])
        for r in load_results(results_dir)
        if r.get("latency_series_ms")
    ]
    if not panels:
        return None
    columns = min(len(panels), 2)
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(7 * columns, 4.2 * rows), squeeze=False)
    for axis, (name, series) in zip(axes.flat, panels, strict=False):
        labels = list(dict.fromkeys(p for points in series.values() for p in points))
        for label, points in series.items():
            xs = [labels.index(p) for p in points]
            axis.plot(xs, list(points.values()), marker="o", label=label)
        axis.set_xticks(range(len(labels)), [f"p{p}" for p in labels])
        axis.set_title(name)
        axis.set_xlabel("percentile")
        axis.set_ylabel("latency (ms, log scale)")
        axis.set_yscale("log")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle("DomTok latency percentiles (same run, same machine)")
    figure.tight_layout()
    path = results_dir / PLOT
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
