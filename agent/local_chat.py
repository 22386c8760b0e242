"""The embedded model's chat client: the agent's ChatOpenAI plus the help a 1.5B model needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI

from agent.prompts import LOCAL_SYSTEM_PROMPT, SYSTEM_PROMPT


class LocalChatOpenAI(ChatOpenAI):
    """ChatOpenAI for the embedded 1.5B model, with the help such a small model needs.

    The agent's system prompt is swapped for ``system_prompt`` (written for this model) on the
    way out, so the graph stays provider-neutral and every request still starts with one
    byte-identical prefix. Models from :meth:`bind_tools` normalise the arguments of each tool
    call and give the model one chance to repair a call that is still wrong
    (:mod:`agent.repair`).
    """

    system_prompt: str = LOCAL_SYSTEM_PROMPT
    repair_calls: bool = True

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        messages = payload.get("messages") or []
        first = messages[0] if messages else {}
        if first.get("role") == "system" and first.get("content") == SYSTEM_PROMPT:
            first["content"] = self.system_prompt
        return payload

    def bind_tools(  # type: ignore[override]
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind as ChatOpenAI does; shop tools also get argument repair."""
        bound = super().bind_tools(tools, **kwargs)
        if not self.repair_calls:
            return bound
        from agent.repair import CallRepair

        return CallRepair(bound)
