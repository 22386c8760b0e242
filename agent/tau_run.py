"""``domtok tau run``: the support agent against simulated customers, scored like τ-bench.

Each trial starts from a fresh copy of the imported database, lets the customer (an LLM playing
the task's instructions, or the scripted customer) talk to the support agent until the customer
ends the conversation, the agent transfers them, or the turn budget runs out, and scores 1 when
the τ records the conversation changed equal the expected ones (the same comparison as
``tau replay``; τ's database check only — the tasks' natural-language assertions are not
scored). ``pass^k`` is the chance that k independent trials of a task all succeed, estimated
from n trials as C(c, k) / C(n, k) and averaged over tasks, as τ-bench reports it.

``--model scripted`` replays each task's gold actions as the agent's tool calls (after looking
the customer up by email, which the strict desk requires) with a customer who approves every
confirmation: a deterministic smoke run of the whole loop, not a model score.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.context import AgentLimits, ToolModel
from agent.schemas import PendingConfirmation
from agent.scripted import ReplayScript, ScriptedChatModel
from agent.support import (
    SupportContext,
    SupportConversation,
    SupportReply,
    confirmation_text,
    is_yes,
)
from agent.tau_replay import DESK_STAFF, changes_since_import
from agent.tau_user import Customer, ended
from config.settings import Settings
from services.bootstrap import bootstrap
from services.tau.compare import compare_changes
from services.tau.desk import DeskSession, TauDesk
from services.tau.tasks import TauTask
from services.tau.template import TauTemplate, tau_settings
from tools.tau import TAU_TOOLS

# Support conversations take longer turns than shopping ones (lookups before each action).
SUPPORT_LIMITS = AgentLimits(max_tool_calls=20, recursion_limit=60)
_NO = frozenset({"no", "nope", "don't", "dont", "cancel", "wait", "stop"})

AgentFactory = Callable[[TauTask], ToolModel]
CustomerFactory = Callable[[TauTask], Customer]


@dataclass
class Trial:
    """One conversation of one task and its score."""

    task_id: str
    trial: int
    reward: float
    difference: str | None = None
    turns: int = 0
    transferred: bool = False
    seconds: float = 0.0
    error: str | None = None
    # (speaker, text): "customer", "agent", or "tools" (the tools the agent called in a reply)
    transcript: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report of the trial."""
        return {
            "task_id": self.task_id,
            "trial": self.trial,
            "reward": self.reward,
            "difference": self.difference,
            "turns": self.turns,
            "transferred": self.transferred,
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "transcript": [{"speaker": who, "text": text} for who, text in self.transcript],
        }


@dataclass
class RunReport:
    """Every trial, and pass^k over them."""

    trials: list[Trial] = field(default_factory=list)

    def pass_hat(self, k: int) -> float:
        """pass^k: mean over tasks of C(successes, k) / C(trials, k)."""
        per_task: dict[str, list[float]] = {}
        for trial in self.trials:
            per_task.setdefault(trial.task_id, []).append(trial.reward)
        scores = []
        for rewards in per_task.values():
            n, c = len(rewards), sum(1 for r in rewards if r >= 1.0)
            if n >= k:
                scores.append(comb(c, k) / comb(n, k))
        return sum(scores) / len(scores) if scores else 0.0


async def run_trial(
    task: TauTask,
    trial: int,
    template: TauTemplate,
    base: Settings,
    agent_model: ToolModel,
    customer: Customer,
    reference: dict[str, dict[str, Any]],
    max_turns: int = 30,
) -> Trial:
    """One conversation on a fresh copy of the database, scored against ``reference``."""
    started = time.perf_counter()
    result = Trial(task.task_id, trial, 0.0)
    with tempfile.TemporaryDirectory(prefix=f"tau-run-{task.task_id}-") as scratch:
        directory = Path(scratch)
        database = template.copy_to(directory)
        container = bootstrap(tau_settings(base, directory))
        try:
            desk = TauDesk(container, template.ids, DESK_STAFF, DeskSession(strict=True))
            context = SupportContext(DESK_STAFF, container, agent_model, SUPPORT_LIMITS, desk)
            try:
                await _converse(SupportConversation(context), customer, result, max_turns)
            except Exception as exc:  # a model or server failure ends the trial, scored as is
                result.error = f"{type(exc).__name__}: {exc}"
            changed = await changes_since_import(container, template, database)
        finally:
            await container.aclose()
    verdict = compare_changes(reference, changed, template.baseline)
    result.reward = 1.0 if verdict.match else 0.0
    result.difference = verdict.difference
    result.seconds = time.perf_counter() - started
    return result


async def _converse(
    conversation: SupportConversation, customer: Customer, result: Trial, max_turns: int
) -> None:
    say = result.transcript.append
    text = await customer.start()
    say(("customer", text))
    while not ended(text) and result.turns < max_turns:
        reply = _heard(await conversation.send(text), result)
        result.turns += 1
        while (pending := reply.confirmation) is not None and result.turns < max_turns:
            question = _with_confirmation(reply.text, pending)
            say(("agent", question))
            answer = await customer.reply(question)
            say(("customer", answer))
            result.turns += 1
            if ended(answer):
                return
            decision = _decision(answer)
            if decision is None:
                reply = _heard(await conversation.send(answer), result)
            else:
                reply = _heard(await conversation.answer(pending, decision), result)
        if reply.confirmation is None and reply.text:
            say(("agent", reply.text))
        if reply.transferred:
            result.transferred = True
            return
        if reply.failed:
            result.error = "the agent hit its step limit"
            return
        text = await customer.reply(reply.text)
        say(("customer", text))


def _heard(reply: SupportReply, result: Trial) -> SupportReply:
    """Note the tools a reply used in the transcript."""
    if reply.tools:
        result.transcript.append(("tools", ", ".join(reply.tools)))
    return reply


def _with_confirmation(text: str, pending: PendingConfirmation) -> str:
    question = confirmation_text(pending)
    return f"{text}\n\n{question}" if text else question


def _decision(answer: str) -> bool | None:
    """Yes, no, or neither (then the answer goes to the agent as a message)."""
    if is_yes(answer):
        return True
    first = answer.strip().split(maxsplit=1)[0].strip(".,!?").lower() if answer.strip() else ""
    return False if first in _NO else None


def gold_agent(task: TauTask, login_email: str | None) -> BaseChatModel:
    """The scripted agent of the smoke run: the task's gold actions as its tool calls."""
    steps: list[dict[str, Any]] = []
    if login_email and not any(a.name.startswith("find_user_id") for a in task.actions[:1]):
        steps.append({"call": [{"name": "find_user_id_by_email", "args": {"email": login_email}}]})
    steps += [{"call": [{"name": a.name, "args": a.arguments}]} for a in task.actions]
    steps.append({"say": "Your requests are done. Is there anything else?"})
    return ScriptedChatModel(script=ReplayScript(steps))


def customer_email(task: TauTask, template: TauTemplate) -> str | None:
    """The email of the customer a task's gold actions concern (for the scripted agent)."""
    users = template.baseline["users"]
    orders = template.baseline["orders"]
    for action in task.actions:
        user_id = action.arguments.get("user_id")
        order = orders.get(str(action.arguments.get("order_id")))
        owner = user_id or (order["user_id"] if order else None)
        if owner in users:
            return str(users[owner]["email"])
    return None


def bind_tools(model: BaseChatModel) -> ToolModel:
    """The model with τ's tools bound."""
    return model.bind_tools(TAU_TOOLS)


def tasks_by_id(tasks: Sequence[TauTask], wanted: Sequence[str]) -> list[TauTask]:
    """The tasks named (all when none are)."""
    if not wanted:
        return list(tasks)
    chosen = set(wanted)
    return [task for task in tasks if task.task_id in chosen]
