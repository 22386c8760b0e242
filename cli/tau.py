"""`domtok tau …`: τ²-bench retail — import/export τ's database, replay its tasks' gold actions
through our τ tools, and run the support agent against simulated customers.

The data is τ²-bench retail (MIT licence, Copyright (c) 2025 Sierra Research).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from cli.tau_output import (
    print_replay,
    progress_bar,
    replay_document,
    run_document,
)
from config.settings import Settings, get_settings

tau_app = typer.Typer(
    help="τ²-bench retail: import/export τ's database, replay its tasks, benchmark the agent.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = typer.Option(None, "--db", help="A τ db.json (default: the bundled copy).")
TasksOption = typer.Option(..., "--tasks", exists=True, dir_okay=False, help="τ tasks JSON.")
ExpectedOption = typer.Option(
    None, "--expected", exists=True, dir_okay=False, help="τ's expected end states (JSON)."
)
TaskIdsOption = typer.Option([], "--task", help="Only these task ids (repeatable).")
JsonOption = typer.Option(False, "--json", help="Print one JSON document instead of text.")


@tau_app.command("import")
def import_(
    db: Path | None = DbOption,
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Migrate first."),
) -> None:
    """Load τ's products, users and 1,000 orders into the configured database (τ ids kept)."""
    settings = get_settings()
    report = asyncio.run(_import(settings, db, migrate_first))
    for name, count in report.items():
        console.print(f"{name:>32}: {count}")
    console.print(
        "Serve it under τ's order policy with DOMTOK_ORDERS_SINGLE_ITEM_CHANGE=true. "
        "Data: τ²-bench retail, MIT licence, Sierra Research."
    )


async def _import(settings: Settings, db: Path | None, migrate_first: bool) -> dict[str, int]:
    from services.bootstrap import bootstrap
    from services.migrate import upgrade_async
    from services.tau.importer import TauImporter
    from services.users.passwords import Argon2PasswordHasher

    if migrate_first:
        await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    try:
        importer = TauImporter(
            container.uow,
            Argon2PasswordHasher(),
            currency=settings.currency,
        )
        return (await importer.run(db)).created
    finally:
        await container.aclose()


@tau_app.command()
def export(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (default: stdout)."),
) -> None:
    """Write the database's τ records in τ's db.json shape."""
    document = asyncio.run(_export(get_settings()))
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {out}")


async def _export(settings: Settings) -> dict[str, Any]:
    from services.bootstrap import bootstrap
    from services.tau.exporter import TauExporter

    container = bootstrap(settings)
    try:
        return await TauExporter(container.uow).export()
    finally:
        await container.aclose()


@tau_app.command()
def replay(
    tasks: Path = TasksOption,
    expected: Path | None = ExpectedOption,
    db: Path | None = DbOption,
    task_ids: list[str] = TaskIdsOption,
    json_output: bool = JsonOption,
) -> None:
    """Replay each task's gold actions through the τ tools on a fresh import and compare the
    records they change with τ's expected ones; ends with `N/M tasks match`."""
    reports = asyncio.run(_replay(get_settings(), tasks, expected, db, task_ids, json_output))
    if json_output:
        sys.stdout.write(json.dumps(replay_document(reports), indent=2) + "\n")


async def _replay(
    settings: Settings,
    tasks_file: Path,
    expected_file: Path | None,
    db: Path | None,
    task_ids: list[str],
    quiet: bool,
) -> list[Any]:
    from agent.tau_replay import replay_task
    from agent.tau_run import tasks_by_id
    from services.tau.tasks import load_expected, load_tasks
    from services.tau.template import build_template

    chosen = tasks_by_id(load_tasks(tasks_file), task_ids)
    expected = load_expected(expected_file) if expected_file else {}
    reports = []
    with tempfile.TemporaryDirectory(prefix="tau-template-") as scratch:
        shown = err if quiet else console
        shown.print("importing τ's database into a template…", style="dim")
        template = await build_template(settings, Path(scratch), db)
        with progress_bar(shown) as bar:
            job = bar.add_task("replaying", total=len(chosen))
            for task in chosen:
                report = await replay_task(task, template, settings, expected.get(task.task_id))
                reports.append(report)
                if not quiet:
                    print_replay(bar.console, report)
                bar.advance(job)
    if not quiet:
        matched = sum(1 for r in reports if r.verdict is not None and r.verdict.match)
        if expected:
            deliberate = sum(1 for r in reports if r.deliberate is not None)
            if deliberate:
                console.print(f"{deliberate} mismatches are deliberate differences (see above)")
            console.print(f"{matched}/{len(reports)} tasks match")
        else:
            console.print(f"{len(reports)} tasks replayed (no --expected: nothing compared)")
    return reports


@tau_app.command()
def run(
    tasks: Path = TasksOption,
    expected: Path | None = ExpectedOption,
    model: str = typer.Option(
        "scripted",
        "--model",
        help="scripted, local, openai, or openai:<model name> (settings.openai_*).",
    ),
    user_model: str | None = typer.Option(
        None, "--user-model", help="Model of the simulated customer (default: --model)."
    ),
    trials: int = typer.Option(1, "--trials", min=1, max=20, help="Trials per task (K)."),
    max_turns: int = typer.Option(30, "--max-turns", min=2, help="Messages per conversation."),
    db: Path | None = DbOption,
    task_ids: list[str] = TaskIdsOption,
    json_output: bool = JsonOption,
) -> None:
    """Run the support agent against simulated customers and report pass^1 … pass^K.

    Without --expected, each task's reference end state is its gold replay through our tools.
    """
    from cli.tau_run import run_benchmark

    report = asyncio.run(
        run_benchmark(
            get_settings(),
            tasks,
            expected,
            model,
            user_model or model,
            trials,
            max_turns,
            db,
            task_ids,
            err if json_output else console,
            quiet=json_output,
        )
    )
    if json_output:
        sys.stdout.write(json.dumps(run_document(report, trials, model), indent=2) + "\n")
        return
    for k in range(1, trials + 1):
        console.print(f"pass^{k} = {report.pass_hat(k):.3f}")
