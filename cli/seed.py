"""`domtok seed --demo`: load the demo shop (τ²-bench retail catalog and shoppers)."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from config.settings import Settings, get_settings
from services.seed.demo import SeedReport

console = Console()


class _RichProgress:
    """One progress bar per seeding step."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, step: str, total: int) -> None:
        """Add the step's bar."""
        self._tasks[step] = self._progress.add_task(step, total=max(total, 1))
        if total == 0:
            self._progress.update(self._tasks[step], completed=1, description=f"{step} (none)")

    def advance(self, step: str, amount: int = 1) -> None:
        """Move the step's bar."""
        self._progress.advance(self._tasks[step], amount)


def seed(
    demo: bool = typer.Option(False, "--demo", help="Load the demo shop (required)."),
    migrate_first: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Migrate the schema first."
    ),
) -> None:
    """Load the demo shop: 50 products, 591 variants, 500 shoppers and three demo logins.

    Idempotent: a second run inserts nothing. The data is τ²-bench retail (MIT, Sierra Research).
    """
    if not demo:
        console.print("Nothing to seed: pass [bold]--demo[/] to load the demo shop.")
        raise typer.Exit(2)
    settings = get_settings()
    report = asyncio.run(_seed(settings, migrate_first))
    _print_report(report)


async def _seed(settings: Settings, migrate_first: bool) -> SeedReport:
    from services.bootstrap import bootstrap
    from services.migrate import upgrade_async
    from services.seed.demo import DemoSeeder
    from services.users.passwords import Argon2PasswordHasher

    if migrate_first:
        await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            seeder = DemoSeeder(container.uow, Argon2PasswordHasher(), currency=settings.currency)
            return await seeder.run(_RichProgress(bar))
    finally:
        await container.aclose()


def _print_report(report: SeedReport) -> None:
    table = Table(title="Demo shop", show_edge=False)
    table.add_column("")
    table.add_column("added", justify="right")
    table.add_column("in database", justify="right")
    for name, total in report.totals.items():
        table.add_row(name, str(report.created.get(name, 0)), str(total))
    console.print(table)
    if not report.changed:
        console.print("[green]Already seeded; nothing changed.[/]")
    logins = Table(title="Demo logins", show_edge=False)
    for column in ("email", "password", "role"):
        logins.add_column(column)
    for account in report.accounts:
        logins.add_row(account.email, account.password, account.role.value)
    console.print(logins)
    if report.shopper_source:
        console.print(
            f"demo@domtok.local has the address and wallet of τ shopper {report.shopper_source}."
        )
    console.print("Demo data: τ²-bench retail, MIT licence, Sierra Research.")
