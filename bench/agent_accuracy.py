"""Agent accuracy with the local model, before and after the small-model help.

Reads JSON reports written by ``domtok eval agent --model local --output FILE``:

* ``--baseline``: ``--prompt generic --no-repair`` (the agent's own prompt, calls as generated);
* ``--tuned``: the defaults (the local model's prompt, argument normalisation and repair); its
  ``before_repair`` figures score the same run's first replies as the model generated them;
* ``--latency`` (optional): a ``--full-turns`` run of typical requests, for the turn latency;
* ``--server-pid`` (optional): the model server, whose peak RSS (VmHWM) is read from /proc.

Writes ``bench/results/agent_accuracy.json`` and ``bench/results/agent_accuracy.md``.
Run: ``.venv/bin/python -m bench.agent_accuracy --baseline B.json --tuned T.json [...]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
HEADLINES = (
    ("single_step_exact", "single-step exact tool+args"),
    ("multi_step_success", "multi-step task success"),
    ("no_tool_accuracy", "no-tool cases answered in text"),
    ("no_tool_precision", "no-tool precision"),
    ("overall", "all cases"),
)


def _load(path: Path | None) -> dict[str, Any] | None:
    return None if path is None else json.loads(path.read_text(encoding="utf-8"))


def _cell(rate: dict[str, Any] | None) -> str:
    if not rate or rate.get("rate") is None:
        return "—"
    return f"{rate['rate']:.0%} ({rate['passed']}/{rate['total']})"


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of a process (Linux VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _columns(baseline: dict[str, Any], tuned: dict[str, Any]) -> dict[str, dict[str, Any]]:
    before = tuned["summary"].get("before_repair", {})
    return {
        "generic prompt, calls as generated": baseline["summary"],
        "local prompt, calls as generated": {
            "single_step_exact": before.get("single"),
            "no_tool_accuracy": before.get("no_tool"),
        },
        "local prompt + normalisation + repair": tuned["summary"],
    }


def markdown(result: dict[str, Any]) -> str:
    """The results as a markdown page."""
    columns: dict[str, dict[str, Any]] = result["columns"]
    names = list(columns)
    lines = [
        "# Agent accuracy — local model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, llama.cpp)",
        "",
        f"Evaluation set: {result['cases']} cases (a split in `agent/eval/cases/`), run through "
        "the real agent graph on fresh copies of the demo-seeded shop. Single-step and no-tool "
        "turns are scored on the model's first reply; multi-step turns run to the end and are "
        "scored by end state. Greedy decoding (temperature 0), single runs.",
        "",
        "| measure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, title in HEADLINES:
        cells = [_cell(columns[name].get(key)) for name in names]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    first, last = names[0], names[-1]
    lines += ["", f"Per family ({first} → {last}):", "", "| family | before | after |"]
    lines.append("|---|---|---|")
    for family, rate in columns[last]["families"].items():
        before = columns[first].get("families", {}).get(family)
        lines.append(f"| {family} | {_cell(before)} | {_cell(rate)} |")
    for language, rate in columns[last]["languages"].items():
        before = columns[first].get("languages", {}).get(language)
        lines.append(f"| language {language} | {_cell(before)} | {_cell(rate)} |")
    lines += ["", "## Latency and memory", ""]
    for key, value in result["performance"].items():
        lines.append(f"- {key.replace('_', ' ')}: {value}")
    if result.get("notes"):
        lines += ["", "## Notes", "", *[f"- {note}" for note in result["notes"]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Combine the reports and write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.agent_accuracy", description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--tuned", type=Path, required=True)
    parser.add_argument("--latency", type=Path)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--note", action="append", default=[], help="A line for the notes.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    baseline, tuned = _load(args.baseline), _load(args.tuned)
    if baseline is None or tuned is None:
        parser.error("--baseline and --tuned must name existing reports")
    latency = _load(args.latency)
    tuned_latency = tuned["summary"]["latency_seconds"]
    performance: dict[str, Any] = {
        "first_reply_p50_seconds": tuned_latency["model_call_p50"],
        "first_reply_p90_seconds": tuned_latency["model_call_p90"],
    }
    if latency is not None:
        full = latency["summary"]["latency_seconds"]
        performance["typical_turn_p50_seconds"] = full["turn_p50"]
        performance["typical_turn_cases"] = latency["summary"]["cases"]
    if args.server_pid is not None:
        performance["model_server_peak_rss_mb"] = peak_rss_mb(args.server_pid)
    result = {
        "cases": tuned["summary"]["cases"],
        "model": tuned["label"],
        "columns": _columns(baseline, tuned),
        "performance": performance,
        "notes": args.note,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "agent_accuracy.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "agent_accuracy.md").write_text(markdown(result), encoding="utf-8")


if __name__ == "__main__":
    main()
