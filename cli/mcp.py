"""``domtok mcp``: serve the shop's tools to MCP clients (desktop assistants, IDE agents).

stdout belongs to the protocol in stdio mode, so everything this command says goes to stderr.
"""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

console = Console(stderr=True)


def mcp(
    token: str = typer.Option(
        ...,
        "--token",
        envvar="DOMTOK_MCP_TOKEN",
        help="Access token of the shopper to act for (POST /api/v1/auth/login).",
    ),
    refresh_token: str | None = typer.Option(
        None,
        "--refresh-token",
        envvar="DOMTOK_MCP_REFRESH_TOKEN",
        help="Refresh token of the same login: renews the access token when it expires.",
    ),
    http: bool = typer.Option(
        False, "--http", help="Serve streamable HTTP on 127.0.0.1:PORT/mcp instead of stdio."
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port for --http."),
) -> None:
    """Serve the shopper tools over the Model Context Protocol (stdio, or HTTP with --http)."""
    code = asyncio.run(_main(token, refresh_token, http, port))
    raise typer.Exit(code)


async def _main(token: str, refresh_token: str | None, http: bool, port: int) -> int:
    from api.mcp.server import HTTP_PATH, build_server, serve_http, serve_stdio
    from api.mcp.shop import ShopSession
    from config.logging import configure_logging
    from config.settings import get_settings
    from services.bootstrap import bootstrap
    from services.kernel.errors import ShopError

    settings = get_settings()
    configure_logging(settings)
    container = bootstrap(settings)
    try:
        session = ShopSession(container, token.strip(), refresh_token)
        try:
            actor = await session.actor()
        except ShopError as exc:
            console.print(f"[red]{exc.message}[/] Log in again for a fresh token.")
            return 2
        server = build_server(session)
        if http:
            console.print(
                f"DomTok MCP for user {actor.user_id} on http://127.0.0.1:{port}{HTTP_PATH}"
            )
            await serve_http(server, port)
        else:
            await serve_stdio(server)
        return 0
    finally:
        await container.aclose()
