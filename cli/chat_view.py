"""How ``domtok chat`` looks: streamed replies, compact tool activity, confirmation panels."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.prompt import Confirm, Prompt
from rich.text import Text

from agent.chat import ChatRun
from agent.schemas import ChatResponse, PendingConfirmation

ARGS_WIDTH = 70


class ChatView:
    """Renders one conversation on a console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def welcome(self, thread_id: str | None) -> None:
        """The first lines of an interactive session."""
        where = f"resuming {thread_id}" if thread_id else "a new conversation"
        self.console.print(
            f"[bold]DomTok[/] shopping assistant — {where}. Type 'exit' to leave.", highlight=False
        )

    def goodbye(self, thread_id: str | None) -> None:
        """How to come back to this conversation."""
        if thread_id:
            self.console.print(f"\nBye. Resume with: domtok chat --thread {thread_id}")

    def ask(self) -> str:
        """The shopper's next message."""
        return Prompt.ask("\n[bold cyan]you[/]", console=self.console)

    def confirm(self, pending: PendingConfirmation) -> bool:
        """Show what will happen and ask y/n."""
        self.console.print(Panel(summary_text(pending), title="Please confirm", expand=False))
        return Confirm.ask("Approve?", console=self.console, default=False)

    def auto_approved(self, pending: PendingConfirmation) -> None:
        """Say what --yes approved, so a script's log shows it."""
        action = pending.summary.get("action", pending.tool)
        self.console.print(Text(f"  ✔ approved (--yes): {action}", style="dim"))

    async def render(self, run: ChatRun) -> tuple[ChatResponse, bool]:
        """Print a run's events as they come; returns its outcome and whether it failed."""
        failed, final, speaking = False, None, False
        async for event in run.events():
            data = event.data
            if event.event == "token":
                if not speaking:
                    self.console.print("[bold green]domtok[/] ", end="")
                    speaking = True
                self.console.print(data["text"], end="", markup=False, highlight=False)
            elif event.event in {"tool_call", "tool_result"}:
                speaking = self._end_line(speaking)
                self.console.print(activity(event.event, data), highlight=False)
            elif event.event == "error":
                speaking = self._end_line(speaking)
                failed = True
                self.console.print(Text(data.get("message", "error"), style="red"))
            elif event.event == "done":
                final = ChatResponse.model_validate(data)
        self._end_line(speaking)
        assert final is not None
        self.cart_changes(final.cart_changes)
        return final, failed

    def cart_changes(self, changes: list[str]) -> None:
        """The cart changes of the turn, as the shop recorded them (whatever the reply says)."""
        if changes:
            lines = "".join(f"\n  • {change}" for change in changes)
            self.console.print(Text("Cart changes this turn:" + lines, style="cyan"))

    def _end_line(self, speaking: bool) -> bool:
        if speaking:
            self.console.print()
        return False


def activity(kind: str, data: dict[str, Any]) -> Text:
    """One dim line per tool call or result."""
    name = data.get("name", "")
    if kind == "tool_call":
        args = json.dumps(data.get("args", {}), ensure_ascii=False)
        if len(args) > ARGS_WIDTH:
            args = args[: ARGS_WIDTH - 1] + "…"
        return Text(f"  → {name} {args}", style="dim")
    error = data.get("error")
    if error:
        return Text(f"  ✗ {name}: {error.get('code')} — {error.get('message')}", style="yellow")
    return Text(f"  ✓ {name}", style="dim")


def summary_text(pending: PendingConfirmation) -> Text:
    """The confirmation's summary as readable lines."""
    text = Text()
    for key, value in pending.summary.items():
        if value in (None, "", [], {}):
            continue
        text.append(f"{key.replace('_', ' ')}: ", style="bold")
        text.append(_plain(value) + "\n")
    text.append(f"({pending.tool}, confirmation {pending.id})", style="dim")
    return text


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "".join("\n  • " + _plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items() if v not in (None, "", {}))
    return str(value)
