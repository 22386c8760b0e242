"""τ tasks (``tasks_*.json``) and their expected end states (``*_expected.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TauAction:
    """One gold tool call of a task."""

    action_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class TauTask:
    """A task: what the simulated customer wants, and the gold actions that achieve it."""

    task_id: str
    actions: tuple[TauAction, ...]
    scenario: dict[str, Any] = field(default_factory=dict)

    @property
    def instructions(self) -> dict[str, Any]:
        """The customer's instructions (reason for call, known and unknown info, …)."""
        found = self.scenario.get("instructions") or {}
        return found if isinstance(found, dict) else {"task_instructions": str(found)}


@dataclass(frozen=True)
class ExpectedTask:
    """The records a task's gold actions change, in their final state, and the actions that
    failed, as computed with τ's reference tools."""

    task_id: str
    changed: dict[str, dict[str, Any]]
    errors: tuple[dict[str, Any], ...]


def load_tasks(path: Path) -> list[TauTask]:
    """Tasks from a τ tasks file (a JSON list)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: a τ tasks file is a JSON list of tasks")
    return [_task(item) for item in raw]


def _task(raw: dict[str, Any]) -> TauTask:
    criteria = raw.get("evaluation_criteria") or {}
    actions = tuple(
        TauAction(
            action_id=str(action.get("action_id") or f"{raw['id']}_{n}"),
            name=action["name"],
            arguments=dict(action.get("arguments") or {}),
        )
        for n, action in enumerate(criteria.get("actions") or [])
    )
    return TauTask(task_id=str(raw["id"]), actions=actions, scenario=raw.get("user_scenario") or {})


def load_expected(path: Path) -> dict[str, ExpectedTask]:
    """Expected end states by task id."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        str(task["task_id"]): ExpectedTask(
            task_id=str(task["task_id"]),
            changed={kind: dict(records) for kind, records in task["changed"].items()},
            errors=tuple(task.get("action_errors") or ()),
        )
        for task in raw["tasks"]
    }
