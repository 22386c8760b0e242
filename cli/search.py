"""``domtok search``: manage the Elasticsearch product index and hybrid search's embeddings."""

from __future__ import annotations

import asyncio
import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from config.settings import get_settings
from services.bootstrap import bootstrap

search_app = typer.Typer(
    help="The product search index (Elasticsearch) and embeddings (hybrid search).",
    no_args_is_help=True,
)
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


def _progress(verb: str) -> Progress:
    """A progress bar: ``verb``, the task's name, done of total, time taken."""
    return Progress(
        TextColumn(f"[bold]{verb}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


async def _reindex(batch_size: int) -> None:
    container = bootstrap(get_settings())
    index = container.search.index
    assert index is not None
    try:
        with _progress("reindexing") as progress:
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


@search_app.command("embed")
def embed() -> None:
    """Embed every product that lacks a current embedding (DOMTOK_SEARCH_VECTORS=on), so no
    search has to: searches otherwise embed what changed themselves, a few hundred at a time."""
    if get_settings().search_vectors != "on":
        console.print("[red]DOMTOK_SEARCH_VECTORS is off[/]: search uses keywords only.")
        raise typer.Exit(1)
    asyncio.run(_embed())


async def _embed() -> None:
    container = bootstrap(get_settings())
    vectors = container.search.vectors
    assert vectors is not None
    started = time.perf_counter()
    try:
        with _progress("embedding") as progress:
            task = progress.add_task("products", total=await vectors.stale_count())
            done = await vectors.embed_all(lambda n: progress.update(task, completed=n))
    finally:
        await container.aclose()
    seconds = time.perf_counter() - started
    console.print(f"[green]{done} product(s)[/] embedded in {seconds:.1f} s")
