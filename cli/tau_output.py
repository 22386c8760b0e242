"""How `domtok tau` reports: a progress bar, a line per task or trial, JSON documents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from agent.tau_replay import TaskReplay
    from agent.tau_run import RunReport, Trial


def progress_bar(console: Console) -> Progress:
    """A bar with a count and the elapsed time."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def print_replay(console: Console, report: TaskReplay) -> None:
    """``task 20  mismatch  orders.#W…items[0]…`` (and the failing actions)."""
    if report.verdict is None:
        status = "replayed"
    elif report.verdict.match:
        status = "[green]match[/]"
    else:
        status = f"[red]mismatch[/]  {escape(report.verdict.difference or '')}"
    console.print(f"task {report.task_id:>4}  {status}")
    if report.deliberate is not None:
        console.print(f"           deliberate: {escape(report.deliberate)}", style="yellow")
    for outcome in report.errors:
        console.print(
            f"           action {outcome.index} {outcome.name}: "
            f"{outcome.error_code} ({escape(outcome.error or '')})",
            style="dim",
        )
    if report.errors_match is False:
        console.print(f"           τ's failing actions: {report.expected_errors}", style="dim")


def print_run(console: Console, trial: Trial) -> None:
    """One trial: pass or fail with the first difference."""
    verdict = "[green]pass[/]" if trial.reward >= 1 else "[red]fail[/]"
    detail = escape(trial.error or trial.difference or "")
    console.print(
        f"task {trial.task_id:>4} trial {trial.trial}  {verdict}  {trial.turns} turns  "
        f"{trial.seconds:.1f}s  {detail}"
    )


def replay_document(reports: list[TaskReplay]) -> dict[str, Any]:
    """Every task's report and the match count."""
    compared = [r for r in reports if r.verdict is not None]
    return {
        "tasks": [report.to_dict() for report in reports],
        "matched": sum(1 for r in compared if r.verdict is not None and r.verdict.match),
        "compared": len(compared),
        "total": len(reports),
    }


def run_document(report: RunReport, trials: int, model: str) -> dict[str, Any]:
    """Every trial and pass^1 … pass^K."""
    return {
        "model": model,
        "trials": [trial.to_dict() for trial in report.trials],
        "pass_hat": {str(k): report.pass_hat(k) for k in range(1, trials + 1)},
    }
