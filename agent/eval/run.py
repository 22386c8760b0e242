"""One evaluation run: build the template shop, run the cases, summarise.

``models``: ``scripted`` is the harness self-test (:mod:`agent.eval.oracle`); ``local`` and
``openai`` are the agent's real providers, built by :func:`agent.models.make_model` exactly as
the chat uses them (the local server is started or reused and warmed up).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.context import AgentLimits, ToolModel
from agent.eval.cases import EvalCase
from agent.eval.oracle import ORACLE_LABEL, oracle_model
from agent.eval.runner import CaseRunner, ModelFor
from agent.eval.scoring import CaseResult, summarize
from agent.eval.shop import build_template
from agent.planning import tools_to_bind
from config.settings import Settings

EvalModel = Literal["local", "openai", "scripted"]
Progress = Callable[[CaseResult], None]


@dataclass
class EvalReport:
    """Everything a run produced."""

    model: str
    label: str
    results: list[CaseResult] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Headline rates, per family and language, latency."""
        return summarize(self.results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: summary and every case."""
        return {
            "model": self.model,
            "label": self.label,
            "settings": self.settings,
            "summary": self.summary(),
            "cases": [result.to_dict() for result in self.results],
        }


def model_for(
    model: EvalModel, settings: Settings, *, planning: bool = False, **options: Any
) -> tuple[ModelFor, str]:
    """How each case gets its model (bound for planned turns if ``planning``), and a label
    saying what is measured."""
    if model == "scripted":
        return oracle_model, ORACLE_LABEL
    from agent.models import local_model, make_model

    if model == "local":
        chat = local_model(settings, planning=planning, **options)
    else:
        chat = make_model(settings, model)
    bound: ToolModel = chat.bind_tools(tools_to_bind(planning))
    name = str(getattr(chat, "model_name", "") or model)
    return (lambda _case, _shop: bound), f"{model}: {name}"


async def run_cases(
    cases: Sequence[EvalCase],
    model: ModelFor,
    *,
    limits: AgentLimits | None = None,
    workdir: Path | None = None,
    progress: Progress | None = None,
    first_reply_only: bool = False,
) -> list[CaseResult]:
    """Run ``cases`` in order on fresh copies of a demo-seeded shop.

    ``first_reply_only``: single-step and no-tool turns stop after the model's first reply
    (all they are scored on); multi-step turns always run to the end.
    """
    with tempfile.TemporaryDirectory(prefix="domtok-eval-", dir=workdir) as tmp:
        root = Path(tmp)
        template = await build_template(root)
        runner = CaseRunner(
            template, root / "cases", model, limits, first_reply_only=first_reply_only
        )
        results: list[CaseResult] = []
        for case in cases:
            result = await runner.run(case)
            results.append(result)
            if progress is not None:
                progress(result)
        return results
