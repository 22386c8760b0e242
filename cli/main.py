"""The ``domtok`` command line."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.chat import chat
from cli.errors import DEBUG_KEY, DomTokGroup
from cli.eval import eval_app
from cli.llm import llm_app
from cli.mcp import mcp
from cli.search import search_app
from cli.seed import seed
from cli.tau import tau_app
from cli.users import users_app
from cli.worker import worker
from config.settings import get_settings, warn_if_default_secret_exposed

app = typer.Typer(
    name="domtok",
    help="DomTok: a conversational shop. Serve the API, migrate and seed the database, chat.",
    no_args_is_help=True,
    add_completion=False,
    cls=DomTokGroup,
    pretty_exceptions_enable=False,
)
console = Console()
app.add_typer(users_app, name="users")
app.add_typer(llm_app, name="llm")
app.add_typer(search_app, name="search")
app.add_typer(eval_app, name="eval")
app.add_typer(tau_app, name="tau")
app.command("seed")(seed)
app.command("worker")(worker)
app.command("chat")(chat)
app.command("mcp")(mcp)


@app.callback()
def main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of a failure."),
) -> None:
    """DomTok: a conversational shop. Serve the API, migrate and seed the database, chat."""
    ctx.meta[DEBUG_KEY] = debug


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Migrate at start."),
) -> None:
    """Run the REST API (and chat endpoints) with uvicorn."""
    import uvicorn

    settings = get_settings()
    if warn_if_default_secret_exposed(settings, host):
        console.print("[bold red]The default JWT secret is serving a non-loopback host![/]")
    if migrate_first:
        _migrate(settings.database_url)
    console.print(f"[bold]DomTok API[/] on http://{host}:{port}  (docs at /docs)")
    uvicorn.run("api.app:app_factory", factory=True, host=host, port=port, workers=workers)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    settings = get_settings()
    _migrate(settings.database_url)
    console.print(f"[green]Schema is up to date[/] ({_safe_url(settings.database_url)})")


def _migrate(database_url: str) -> None:
    from services.migrate import upgrade

    upgrade(database_url)


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


if __name__ == "__main__":
    app()
