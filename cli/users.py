"""`domtok users …`: manage accounts from the command line (operators, first admin)."""

from __future__ import annotations

import asyncio

import typer
from pydantic import ValidationError
from rich.console import Console

from config.settings import Settings, get_settings
from services.kernel.errors import ShopError
from services.users.schemas import RegisterIn, RoleName, UserOut

users_app = typer.Typer(help="Manage accounts: create customers, merchants and admins.")
console = Console(stderr=True)


@users_app.command()
def create(
    email: str = typer.Option(..., help="Login email (unique, case-insensitive)."),
    name: str = typer.Option(..., help="Display name."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="8-128 characters; prompted for (hidden) when omitted.",
    ),
    admin: bool = typer.Option(False, "--admin", help="Give the account the admin role."),
    merchant: bool = typer.Option(False, "--merchant", help="Give the account the merchant role."),
) -> None:
    """Create an account (schema migrated first) and print its id."""
    if admin and merchant:
        raise typer.BadParameter("choose at most one of --admin and --merchant")
    role: RoleName = "admin" if admin else "merchant" if merchant else "customer"
    try:
        data = RegisterIn(email=email, password=password, name=name)
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "input"
            console.print(f"[red]{where}: {problem['msg']}[/red]")
        raise typer.Exit(2) from exc
    settings = get_settings()
    try:
        user = asyncio.run(_create(settings, data, role))
    except ShopError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]Created {user.role} {user.email}[/green]")
    typer.echo(user.id)


async def _create(settings: Settings, data: RegisterIn, role: RoleName) -> UserOut:
    from services.bootstrap import bootstrap
    from services.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    try:
        return await container.users.create_user(data, role)
    finally:
        await container.aclose()
