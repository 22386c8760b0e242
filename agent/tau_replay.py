"""``domtok tau replay``: τ tasks' gold actions through our τ tools, checked against τ's states.

Per task: a fresh copy of the imported template database, every gold action run in order
through the LangChain tools of :mod:`tools.tau` (reads included; a failing action is recorded
and the next one runs, as τ does), then the τ records are exported and diffed against the
import, and — with expected states — compared with what τ's reference tools produced.

The desk session is lenient here: τ's gold actions often skip the customer lookup, so each call
acts for the owner of the record it names (the support agent's sessions are strict).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from pydantic import ValidationError

from agent.executor import execute, validated_args
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.actor import Actor
from services.tau.compare import Verdict, changed_records, compare_changes
from services.tau.desk import DeskSession, TauDesk
from services.tau.exporter import Scope, TauExporter
from services.tau.known_differences import known_difference
from services.tau.sqlite_diff import changed_rows
from services.tau.tasks import ExpectedTask, TauAction, TauTask
from services.tau.template import TauTemplate, tau_settings
from tools.base import parse_result
from tools.tau import TAU_TOOLS_BY_NAME
from tools.tau_context import DeskContext

# The desk is staff; it acts as each customer through our services.
DESK_STAFF = Actor("tau-support-desk", "admin")


@dataclass(frozen=True)
class ActionOutcome:
    """One gold action: its result, or the error it raised."""

    index: int
    action_id: str
    name: str
    error_code: str | None = None
    error: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """True when the action succeeded."""
        return self.error_code is None


@dataclass
class TaskReplay:
    """What replaying one task did, and how it compares with τ."""

    task_id: str
    outcomes: list[ActionOutcome] = field(default_factory=list)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)
    verdict: Verdict | None = None
    expected_errors: list[int] | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> list[ActionOutcome]:
        """The actions that failed."""
        return [outcome for outcome in self.outcomes if not outcome.ok]

    @property
    def errors_match(self) -> bool | None:
        """Whether the same actions failed as in τ (None without expected states)."""
        if self.expected_errors is None:
            return None
        return [outcome.index for outcome in self.errors] == self.expected_errors

    @property
    def deliberate(self) -> str | None:
        """Why the task differs from τ, when that difference is a documented, deliberate one."""
        if self.verdict is None:
            return None
        known = known_difference(self.task_id, self.verdict.difference)
        return known.reason if known else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON report of the task."""
        return {
            "task_id": self.task_id,
            "match": None if self.verdict is None else self.verdict.match,
            "difference": None if self.verdict is None else self.verdict.difference,
            "errors": [
                {"index": o.index, "name": o.name, "code": o.error_code, "message": o.error}
                for o in self.errors
            ],
            "errors_match": self.errors_match,
            "deliberate_difference": self.deliberate,
            "changed": {kind: sorted(records) for kind, records in self.changed.items()},
            "seconds": round(self.seconds, 3),
        }


async def run_action(
    context: DeskContext, action: TauAction, index: int, messages: list[ToolMessage]
) -> ActionOutcome:
    """Run one τ action through its tool (validation included), as the agent's graph would."""
    tool = TAU_TOOLS_BY_NAME.get(action.name)
    if tool is None:
        return ActionOutcome(index, action.action_id, action.name, "unknown_tool", action.name)
    call = ToolCall(name=action.name, args=dict(action.arguments), id=f"gold_{index}")
    try:
        args = validated_args(tool, action.arguments)
    except ValidationError as exc:
        return ActionOutcome(index, action.action_id, action.name, "invalid_arguments", str(exc))
    message = await execute(tool, call, args, context, {"messages": list(messages)}, {})
    messages.append(message)
    result, error = parse_result(message.content, message.artifact)
    if error is not None:
        return ActionOutcome(
            index, action.action_id, action.name, str(error.get("code")), error.get("message")
        )
    return ActionOutcome(index, action.action_id, action.name, result=result)


async def replay_task(
    task: TauTask,
    template: TauTemplate,
    base: Settings,
    expected: ExpectedTask | None = None,
) -> TaskReplay:
    """Replay one task on a fresh copy of the template."""
    started = time.perf_counter()
    report = TaskReplay(task.task_id)
    with tempfile.TemporaryDirectory(prefix=f"tau-{task.task_id}-") as scratch:
        directory = Path(scratch)
        database = template.copy_to(directory)
        container = bootstrap(tau_settings(base, directory))
        try:
            desk = TauDesk(container, template.ids, DESK_STAFF, DeskSession(strict=False))
            context = DeskContext(DESK_STAFF, container, desk)
            messages: list[ToolMessage] = []
            for index, action in enumerate(task.actions):
                report.outcomes.append(await run_action(context, action, index, messages))
            report.changed = await changes_since_import(container, template, database)
        finally:
            await container.aclose()
    if expected is not None:
        report.verdict = compare_changes(expected.changed, report.changed, template.baseline)
        report.expected_errors = [int(error["index"]) for error in expected.errors]
    report.seconds = time.perf_counter() - started
    return report


async def changes_since_import(
    container: Container, template: TauTemplate, database: Path
) -> dict[str, dict[str, Any]]:
    """The τ records that differ from the import: those with a changed row are exported and
    compared with the template's export."""
    rows = changed_rows(database, template.path)
    scope = Scope(orders=rows.orders, users=rows.users, products=rows.products)
    after = await TauExporter(container.uow).export(template.ids, scope)
    return changed_records(template.baseline, after)


async def replay_tasks(
    tasks: Sequence[TauTask],
    template: TauTemplate,
    base: Settings,
    expected: dict[str, ExpectedTask] | None = None,
    on_done: Callable[[TaskReplay], None] | None = None,
) -> list[TaskReplay]:
    """Replay tasks one after another (each on its own copy)."""
    reports = []
    for task in tasks:
        report = await replay_task(task, template, base, (expected or {}).get(task.task_id))
        reports.append(report)
        if on_done is not None:
            on_done(report)
    return reports
