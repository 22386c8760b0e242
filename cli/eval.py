"""`domtok eval agent`: run the agent evaluation set and print its accuracy."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from config.settings import get_settings

eval_app = typer.Typer(help="Evaluate the shopping agent.", no_args_is_help=True)
console = Console(stderr=True)

_MODELS = ("local", "openai", "scripted")


def _percent(rate: dict[str, Any]) -> str:
    value = rate.get("rate")
    share = "—" if value is None else f"{value:.0%}"
    return f"{share} ({rate['passed']}/{rate['total']})"


@eval_app.command("agent")
def agent(
    model: str = typer.Option(
        "local", help="local | openai | scripted (scripted = harness self-test, not a model)."
    ),
    split: str = typer.Option(
        "test", help="dev (the set prompts were tuned on) | test (held out, never tuned on)."
    ),
    cases: Path | None = typer.Option(
        None, help="Cases YAML (default: the packaged file of --split)."
    ),
    limit: int | None = typer.Option(None, min=1, help="Run only the first N cases."),
    every: int = typer.Option(
        1, min=1, help="Run every Nth case (1st, N+1th, ...): a sample spread over all families."
    ),
    only: str | None = typer.Option(
        None, help="Run cases whose id or family contains one of these (comma-separated)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    output: Path | None = typer.Option(None, help="Also write the JSON report to this file."),
    prompt: str = typer.Option(
        "tuned", help="local only: tuned (its own system prompt) or generic (the agent's)."
    ),
    repair: bool = typer.Option(
        True, "--repair/--no-repair", help="local only: normalise and repair tool arguments."
    ),
    planning: bool | None = typer.Option(
        None,
        "--planning/--no-planning",
        help="Plan each turn first (agent.planning); default: as DOMTOK_AGENT_PLANNING says "
        "for this model (auto: the local model plans).",
    ),
    full_turns: bool = typer.Option(
        False,
        "--full-turns/--first-reply",
        help="Run single-step and no-tool turns to the end (default: stop after the first "
        "reply, which is all they are scored on; multi-step turns always run to the end).",
    ),
) -> None:
    """Run the evaluation set through the real agent graph and print per-family accuracy."""
    from agent.context import AgentLimits
    from agent.eval.cases import SPLITS, CaseFileError, load_cases
    from agent.eval.run import EvalReport, model_for, run_cases
    from agent.models import ModelUnavailable

    if model not in _MODELS:
        raise typer.BadParameter(f"choose one of {', '.join(_MODELS)}", param_hint="--model")
    if split not in SPLITS:
        raise typer.BadParameter(f"choose one of {', '.join(SPLITS)}", param_hint="--split")
    try:
        chosen = load_cases(cases, split=split)  # type: ignore[arg-type]
    except CaseFileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if only:
        parts = [part.strip() for part in only.split(",") if part.strip()]
        chosen = [c for c in chosen if any(p in c.id or p in c.family for p in parts)]
    chosen = chosen[::every]
    chosen = chosen[:limit] if limit else chosen
    options: dict[str, Any] = {"prompt": prompt, "repair": repair} if model == "local" else {}
    settings = get_settings()
    limits = AgentLimits.from_settings(settings, model)
    if planning is None:
        planning = model != "scripted" and limits.planning
    limits = dataclasses.replace(limits, planning=planning)
    try:
        get_model, label = model_for(model, settings, planning=planning, **options)  # type: ignore[arg-type]
    except ModelUnavailable as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    first_reply_only = model != "scripted" and not full_turns
    shown = {
        **options,
        "planning": planning,
        "first_reply_only": first_reply_only,
        "cases": str(cases) if cases else f"split {split}",
        "sample": f"every {every}th case, {len(chosen)} cases" if every > 1 else "all",
    }
    report = EvalReport(model, label, settings=shown)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[passed]} passed"),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"eval ({label})", total=len(chosen), passed=0)
        passed = [0]

        def advance(result: Any) -> None:
            passed[0] += result.passed
            bar.update(task, advance=1, passed=passed[0])
            if not console.is_terminal:  # a log file gets one line per case instead of a bar
                console.print(_case_line(result), highlight=False, markup=False)

        report.results = asyncio.run(
            run_cases(
                chosen,
                get_model,
                limits=limits,
                progress=advance,
                first_reply_only=first_reply_only,
            )
        )
    data = report.to_dict()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data)
    if data["summary"]["errors"]:
        raise typer.Exit(1)


def _case_line(result: Any) -> str:
    line = f"{'pass' if result.passed else 'FAIL'} {result.id} ({result.seconds:.1f} s)"
    if result.passed:
        return line
    calls = "; ".join(f"{c.name} {json.dumps(c.args, ensure_ascii=False)}" for c in result.calls)
    return f"{line}: {calls or 'no call'} -- {result.error or '; '.join(result.problems)}"


def _breakdown(summary: dict[str, Any]) -> Table:
    table = Table(title="Per family, kind, expected steps and language", show_edge=False)
    table.add_column("group")
    table.add_column("passed", justify="right")
    for name, rate in summary["families"].items():
        table.add_row(name, _percent(rate))
    for key, title in (("kinds", "kind"), ("steps", "steps"), ("languages", "language")):
        for name, rate in summary[key].items():
            table.add_row(f"[dim]{title}[/] {name}", _percent(rate))
    return table


def _print_report(data: dict[str, Any]) -> None:
    out = Console()
    summary = data["summary"]
    source = data["settings"].get("cases", "")
    out.print(f"[bold]Agent evaluation[/] — {data['label']}, {source}, {summary['cases']} cases")
    headline = Table(show_edge=False)
    headline.add_column("measure")
    headline.add_column("result", justify="right")
    for key, title in (
        ("single_step_exact", "single-step exact tool+args"),
        ("multi_step_success", "multi-step task success (end state)"),
        ("multi_step_all_calls", "multi-step, every expected call in order"),
        ("no_tool_accuracy", "no-tool cases answered without a tool"),
        ("no_tool_precision", "no-tool precision (text replies that were right)"),
        ("overall", "all cases"),
    ):
        headline.add_row(title, _percent(summary[key]))
    out.print(headline)
    out.print(_breakdown(summary))
    latency = summary["latency_seconds"]
    by_steps = ", ".join(
        f"{steps}: {seconds} s" for steps, seconds in latency["turn_p50_by_steps"].items()
    )
    out.print(
        f"seconds per turn: median {latency['turn_p50']}, p90 {latency['turn_p90']} "
        f"(median by expected steps: {by_steps or '—'}); model call p50 "
        f"{latency['model_call_p50']} s over {latency['model_calls']} calls"
    )
    failures = [case for case in data["cases"] if not case["passed"]]
    if failures:
        table = Table(title="Failed cases", show_edge=False)
        table.add_column("case")
        table.add_column("calls")
        table.add_column("why")
        for case in failures:
            calls = ", ".join(call["name"] for call in case["calls"]) or "—"
            why = case["error"] or "; ".join(case["problems"])
            table.add_row(case["id"], calls, why[:160])
        out.print(table)
    if summary["errors"]:
        out.print(f"[red]{summary['errors']} cases failed to run (see 'why').[/red]")
