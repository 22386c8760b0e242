"""The benchmark loop behind `domtok tau run`: models, references, trials, progress."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from rich.console import Console

from agent.models import ModelUnavailable, make_model
from agent.support import SUPPORT_PROMPT
from agent.tau_replay import replay_task
from agent.tau_run import (
    RunReport,
    bind_tools,
    customer_email,
    gold_agent,
    run_trial,
    tasks_by_id,
)
from agent.tau_user import Customer, LLMCustomer, ScriptedCustomer
from cli.tau_output import print_run, progress_bar
from config.settings import Settings
from services.tau.tasks import TauTask, load_expected, load_tasks
from services.tau.template import TauTemplate, build_template
from tools.tau import TAU_TOOLS


def chat_model(settings: Settings, spec: str, *, customer: bool = False) -> BaseChatModel:
    """``local``, ``openai`` or ``openai:<model>`` as a chat model (may start the local server).

    The local customer gets a server of its own (the next port), so its requests do not evict
    the agent's cached prompt prefix.
    """
    provider, _, name = spec.partition(":")
    if provider == "openai":
        if name:
            settings = settings.model_copy(update={"openai_model": name})
        return make_model(settings, "openai")
    if provider == "local" and not name:
        if customer:
            return _local_model(settings.model_copy(update={"llm_port": settings.llm_port + 1}))
        return _local_model(settings, warmup=_support_warmup())
    raise ValueError(f"unknown model {spec!r}: use scripted, local, openai or openai:<model>")


def _support_warmup() -> dict[str, Any]:
    """The support agent's prompt prefix (system prompt and τ's tools) for the server to cache."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return {
        "messages": [{"role": "system", "content": SUPPORT_PROMPT}],
        "tools": [convert_to_openai_tool(tool) for tool in TAU_TOOLS],
    }


def _local_model(settings: Settings, warmup: dict[str, Any] | None = None) -> BaseChatModel:
    """The local provider's client; its server is started if needed and warmed with ``warmup``
    (not the shopping agent's prompt, which the local provider would cache otherwise)."""
    from pydantic import SecretStr

    from agent.llm.assemble import MODEL_ID
    from agent.llm.launcher import ensure_local_server
    from agent.local_chat import LocalChatOpenAI

    try:
        base_url = ensure_local_server(settings, warmup=warmup)
    except Exception as exc:  # assembly, install or start-up problems name their fix
        raise ModelUnavailable(f"The local model could not start: {exc}") from exc
    return LocalChatOpenAI(
        base_url=base_url,
        api_key=SecretStr("local"),
        model=MODEL_ID,
        temperature=0,
        max_retries=1,
        timeout=1800,
    )


async def run_benchmark(
    settings: Settings,
    tasks_file: Path,
    expected_file: Path | None,
    model: str,
    user_model: str,
    trials: int,
    max_turns: int,
    db: Path | None,
    task_ids: list[str],
    console: Console,
    quiet: bool = False,
) -> RunReport:
    """Every chosen task ``trials`` times; the report holds each trial's score. A line per
    trial goes to ``console`` (with the progress bar) unless ``quiet``."""
    chosen = tasks_by_id(load_tasks(tasks_file), task_ids)
    expected = load_expected(expected_file) if expected_file else {}
    agent_llm = (
        None if model == "scripted" else await asyncio.to_thread(chat_model, settings, model)
    )
    user_llm = None
    if user_model != "scripted":
        user_llm = await asyncio.to_thread(chat_model, settings, user_model, customer=True)
    report = RunReport()
    with tempfile.TemporaryDirectory(prefix="tau-template-") as scratch:
        console.print("importing τ's database into a template…", style="dim")
        template = await build_template(settings, Path(scratch), db)
        bound = bind_tools(agent_llm) if agent_llm is not None else None
        with progress_bar(console) as bar:
            job = bar.add_task("conversations", total=len(chosen) * trials)
            for task in chosen:
                reference = await _reference(task, template, settings, expected)
                for trial in range(trials):
                    agent = bound or gold_agent(task, customer_email(task, template))
                    result = await run_trial(
                        task,
                        trial,
                        template,
                        settings,
                        agent,
                        _customer(task, user_llm),
                        reference,
                        max_turns,
                    )
                    report.trials.append(result)
                    if not quiet:
                        print_run(bar.console, result)
                    bar.advance(job)
    return report


def _customer(task: TauTask, model: BaseChatModel | None) -> Customer:
    return ScriptedCustomer() if model is None else LLMCustomer(model, task)


async def _reference(
    task: TauTask, template: TauTemplate, settings: Settings, expected: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """τ's expected changes, or (without them) what the gold actions change in our shop."""
    if task.task_id in expected:
        changed: dict[str, dict[str, Any]] = expected[task.task_id].changed
        return changed
    return (await replay_task(task, template, settings)).changed
