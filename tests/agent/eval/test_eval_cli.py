"""`domtok eval agent` end to end with the scripted self-test model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app


def test_the_scripted_self_test_prints_a_json_report_with_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["eval", "agent", "--model", "scripted", "--only", "cart", "--limit", "4", "--json"]
        + ["--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == json.loads(output.read_text())
    assert "self-test" in report["label"]
    summary = report["summary"]
    assert summary["cases"] == 4
    assert summary["overall"] == {"passed": 4, "total": 4, "rate": 1.0}
    assert set(summary["families"]) <= {"cart.view", "cart.add", "cart.change"}
    assert {"single_step_exact", "multi_step_success", "no_tool_precision"} <= set(summary)


def test_the_table_shows_failures_and_a_broken_case_sets_the_exit_code(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {id: hello, family: no_tool, lang: en, text: hi}\n"
        "- id: typo\n  family: cart.view\n  lang: en\n  text: cart?\n"
        "  setup: {variants: {x: {product: Hovercraft}}}\n"
        "  expect: {calls: [{name: view_cart}]}\n"
    )
    result = CliRunner().invoke(
        app, ["eval", "agent", "--model", "scripted", "--cases", str(cases)]
    )
    assert result.exit_code == 1
    assert "no-tool precision" in result.stdout
    assert "Hovercraft" in result.stdout


def test_an_unknown_model_is_refused() -> None:
    result = CliRunner().invoke(app, ["eval", "agent", "--model", "gpt-9"])
    assert result.exit_code == 2


def test_split_chooses_the_cases_file_and_the_report_breaks_results_down() -> None:
    runs = {
        split: CliRunner().invoke(
            app,
            ["eval", "agent", "--model", "scripted", "--split", split]
            + ["--only", "cart.clear", "--json"],
        )
        for split in ("dev", "test")
    }
    reports = {split: json.loads(run.stdout) for split, run in runs.items()}
    ids = {split: {case["id"] for case in report["cases"]} for split, report in reports.items()}
    assert ids["dev"]
    assert ids["test"]
    assert ids["dev"].isdisjoint(ids["test"])
    summary = reports["test"]["summary"]
    assert summary["overall"]["rate"] == 1.0
    assert set(summary["kinds"]) == {"single", "multi"}
    assert {"1", "2"} <= set(summary["steps"])
    assert {"turn_p50", "turn_p90", "turn_p50_by_steps"} <= set(summary["latency_seconds"])
    assert reports["test"]["settings"]["cases"] == "split test"


def test_the_table_prints_kinds_steps_and_seconds_per_turn() -> None:
    result = CliRunner().invoke(
        app, ["eval", "agent", "--model", "scripted", "--only", "t-clear", "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "kind multi" in result.stdout
    assert "steps 2" in result.stdout
    assert "p90" in result.stdout


def test_an_unknown_split_is_refused_by_the_cli() -> None:
    result = CliRunner().invoke(app, ["eval", "agent", "--model", "scripted", "--split", "train"])
    assert result.exit_code == 2
