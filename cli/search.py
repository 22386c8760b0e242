"""``domtok search``: manage the Elasticsearch product index."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from config.settings import get_settings
from services.bootstrap import bootstrap

search_app = typer.Typer(help="The product search index (Elasticsearch).", no_args_is_help=True)
console = Console()


@search_app.command("reindex")
def reindex(
    batch_size: int = typer.Option(200, min=1, max=5000, help="Products per bulk request."),
) -> None:
    """Rebuild the product index from the database into a new index, then switch the alias
    to it atomically (searches keep working throughout) and drop the old index."""
    settings = get_settings()
    if not settings.elasticsearch_url:
        console.print("[red]DOMTOK_ELASTICSEARCH_URL is not set[/]: search uses SQL, no index.")
        raise typer.Exit(1)
    asyncio.run(_reindex(batch_size))


async def _reindex(batch_size: int) -> None:
    container = bootstrap(get_settings())
    index = container.search.index
    assert index is not None
    try:
        with Progress(
            TextColumn("[bold]reindexing[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(index.alias, total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = await index.reindex(advance, batch_size=batch_size)
    finally:
        await container.aclose()
    replaced = ", ".join(result.replaced) or "nothing"
    console.print(
        f"[green]{result.documents} product(s)[/] in {result.index}; "
        f"alias {index.alias} moved (replaced {replaced})"
    )
