"""``domtok chat``: talk to the shopping assistant in the terminal, or script one message."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from agent.chat import ChatRun, ChatService
    from agent.schemas import ChatResponse
    from services.kernel.actor import Actor

DEMO_SHOPPER_EMAIL = "demo@domtok.local"
EXIT_WORDS = {"exit", "quit", ":q", "bye", "退出"}
T = TypeVar("T")


class ModelChoice(enum.StrEnum):
    """The chat model providers."""

    openai = "openai"
    local = "local"
    scripted = "scripted"


def chat(
    once: str | None = typer.Option(
        None, "--once", help="Send this one message, print the outcome and exit."
    ),
    as_email: str = typer.Option(
        DEMO_SHOPPER_EMAIL, "--as", help="Act as the user with this email (default: demo shopper)."
    ),
    thread: str | None = typer.Option(
        None, "--thread", help="Resume the conversation with this id."
    ),
    model: ModelChoice | None = typer.Option(
        None, "--model", help="Model provider (default: DOMTOK_MODEL_PROVIDER)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="With --once: print one JSON object shaped like POST /api/v1/chat."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Approve every confirmation without asking (for scripts)."
    ),
) -> None:
    """Chat with the shopping assistant (streaming replies, y/n prompt for each confirmation)."""
    if as_json and once is None:
        raise typer.BadParameter("--json needs --once MESSAGE", param_hint="--json")
    provider = model.value if model else None
    code = asyncio.run(_main(once, as_email, thread, provider, as_json, yes))
    raise typer.Exit(code)


async def _main(
    once: str | None,
    email: str,
    thread_id: str | None,
    provider: str | None,
    as_json: bool,
    yes: bool,
) -> int:
    from agent.chat import ChatService
    from config.settings import get_settings
    from services.bootstrap import bootstrap
    from services.kernel.errors import ShopError

    console = Console(stderr=as_json)
    settings = get_settings()
    _log_to_file(settings.data_dir / "chat.log")
    container = bootstrap(settings)
    try:
        actor = await _actor(container, email)
        async with ChatService.open(container, provider=provider) as service:  # type: ignore[arg-type]
            if once is not None and as_json:
                return await _once_json(service, actor, once, thread_id, yes)
            session = _Session(service, actor, thread_id, console, yes)
            if once is not None:
                return await session.send(once)
            return await session.loop()
    except ShopError as exc:
        if as_json:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
        else:
            console.print(f"[red]{exc.message}[/]")
        return 2
    finally:
        await container.aclose()


def _log_to_file(path: Path) -> None:
    """Diagnostics go to a file: the terminal is the shopper's, and shows only the chat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


async def _actor(container: Any, email: str) -> Actor:
    from services.kernel.actor import Actor
    from services.kernel.errors import Forbidden, NotFound

    user = await container.users.find_by_email(email)
    if user is None:
        raise NotFound(
            f"No user {email}. Create the demo shop with `domtok seed --demo`, or an account "
            "with `domtok users create`."
        )
    if user.status != "active":
        raise Forbidden(f"The account {email} is {user.status}.")
    return Actor(user.id, user.role)


async def _traced_turn(start: Awaitable[ChatRun], show: Callable[[ChatRun], Awaitable[T]]) -> T:
    """One turn under its root span ``chat.cli`` (the CLI has no request span to hang it on)."""
    from agent.telemetry import entry_span

    with entry_span("chat.cli"):
        return await show(await start)


async def _once_json(
    service: ChatService, actor: Actor, message: str, thread_id: str | None, yes: bool
) -> int:
    """One message (and, with --yes, every confirmation it raises) as one JSON object."""
    responses = [await _traced_turn(service.start_message(actor, message, thread_id), _collect)]
    while yes and responses[-1][0].pending_confirmation is not None:
        last = responses[-1][0]
        assert last.pending_confirmation is not None
        start = service.start_confirm(actor, last.thread_id, last.pending_confirmation.id, True)
        responses.append(await _traced_turn(start, _collect))
    final = responses[-1][0].model_copy(
        update={
            "reply": "\n\n".join(r.reply for r, _ in responses if r.reply),
            "tool_calls": [call for r, _ in responses for call in r.tool_calls],
            "cart_changes": [change for r, _ in responses for change in r.cart_changes],
        }
    )
    print(json.dumps(final.model_dump(mode="json"), ensure_ascii=False))
    return 1 if any(failed for _, failed in responses) else 0


async def _collect(run: ChatRun) -> tuple[ChatResponse, bool]:
    from agent.schemas import ChatResponse

    failed, final = False, None
    async for event in run.events():
        failed = failed or event.event == "error"
        if event.event == "done":
            final = ChatResponse.model_validate(event.data)
    assert final is not None
    return final, failed


class _Session:
    """An interactive conversation rendered with rich."""

    def __init__(
        self, service: ChatService, actor: Actor, thread_id: str | None, console: Console, yes: bool
    ) -> None:
        from cli.chat_view import ChatView

        self.service = service
        self.actor = actor
        self.thread_id = thread_id
        self.view = ChatView(console)
        self.yes = yes

    async def loop(self) -> int:
        """Read messages until the shopper leaves."""
        self.view.welcome(self.thread_id)
        while True:
            try:
                text = (await asyncio.to_thread(self.view.ask)).strip()
            except (EOFError, KeyboardInterrupt):
                self.view.goodbye(self.thread_id)
                return 0
            if text.lower() in EXIT_WORDS:
                self.view.goodbye(self.thread_id)
                return 0
            if text:
                await self.send(text)

    async def send(self, text: str) -> int:
        """One message, then one y/n prompt per confirmation it raises."""
        start = self.service.start_message(self.actor, text, self.thread_id)
        failed = False
        while True:
            response, had_error = await _traced_turn(start, self.view.render)
            failed = failed or had_error
            self.thread_id = response.thread_id
            pending = response.pending_confirmation
            if pending is None:
                return 1 if failed else 0
            if self.yes:
                self.view.auto_approved(pending)
            approve = self.yes or await asyncio.to_thread(self.view.confirm, pending)
            start = self.service.start_confirm(self.actor, response.thread_id, pending.id, approve)
