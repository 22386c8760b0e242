"""The benchmark harness keeps working: a quick run of its cheapest benchmark (no servers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_agent_overhead_run_writes_a_self_explaining_result(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--results-dir", str(tmp_path),
         "agent_overhead"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    record = json.loads((tmp_path / "agent_overhead.json").read_text())
    assert record["benchmark"] == "agent_overhead"
    assert record["quick"] is True
    assert {"date", "machine", "description", "headlines"} <= set(record)
    assert {"cpu_count", "python", "git_commit"} <= set(record["machine"])
    assert record["bare_ms_per_turn"] > 0
    assert record["graph_ms_per_turn"] > 0
    assert record["graph_vs_bare_ratio"] == round(
        record["graph_ms_per_turn"] / record["bare_ms_per_turn"], 3
    )
    headline = record["headlines"][0]
    assert headline["ratio_key"] == "graph_vs_bare_ratio"
    assert {"ours", "baseline", "ratio", "goal", "met"} <= set(headline)
    for variant in ("bare", "graph", "chat_service", "chat_service_view_cart"):
        assert record["variants"][variant]["turns"] == 20

    summary = (tmp_path / "SUMMARY.md").read_text()
    assert "agent_overhead" in summary
    assert "graph_vs_bare_ratio" in summary
