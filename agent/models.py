"""Chat model providers behind one factory: ``openai``, ``local`` and ``scripted``.

``openai`` is any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp servers) through
langchain-openai's ``ChatOpenAI``; ``local`` is the embedded model's server (started on demand by
:mod:`agent.llm.launcher`) reached with the same code; ``scripted`` replays a script, for tests and
demos without a model.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.context import plans_turns
from agent.prompts import LOCAL_PLANNING_EXAMPLES, LOCAL_SYSTEM_PROMPT, SYSTEM_PROMPT
from agent.scripted import ReplayScript, Script, ScriptedChatModel
from config.settings import ModelProvider, Settings
from services.kernel.errors import ShopError

PROVIDERS: tuple[ModelProvider, ...] = ("openai", "local", "scripted")


class ModelUnavailable(ShopError):
    """The configured model cannot be reached or started."""

    status_code = 503
    code = "model_unavailable"


def unreachable(exc: BaseException) -> bool:
    """True when the model's endpoint could not be reached: refused, timed out, no such host.

    Such a failure is the deployment's (503 ``model_unavailable``), not the conversation's.
    Other failures of a model (a bug, a bad answer) stay an apology in the conversation.
    """
    from httpx import TransportError
    from openai import APIConnectionError

    return isinstance(exc, APIConnectionError | TransportError)


def make_model(settings: Settings, provider: ModelProvider | None = None) -> BaseChatModel:
    """The chat model of ``provider`` (default: the settings' ``model_provider``).

    ``local`` may start a server and block for a while: call it off the event loop.
    """
    chosen = provider or settings.model_provider
    if chosen == "openai":
        return openai_model(settings)
    if chosen == "local":
        return local_model(settings)
    if chosen == "scripted":
        return scripted_model(settings)
    raise ValueError(f"unknown model provider {chosen!r}; choose one of {', '.join(PROVIDERS)}")


def openai_model(settings: Settings) -> BaseChatModel:
    """ChatOpenAI from ``openai_base_url`` / ``openai_api_key`` / ``openai_model``."""
    if not settings.openai_api_key and not settings.openai_base_url:
        raise ModelUnavailable(
            "The openai provider needs DOMTOK_OPENAI_API_KEY (and DOMTOK_OPENAI_BASE_URL for "
            "another OpenAI-compatible server)."
        )
    return _chat_openai(
        base_url=settings.openai_base_url or None,
        api_key=settings.openai_api_key or "not-needed",
        model=settings.openai_model,
    )


LocalPrompt = Literal["tuned", "generic"]


def local_model(
    settings: Settings,
    *,
    prompt: LocalPrompt = "tuned",
    repair: bool = True,
    planning: bool | None = None,
) -> BaseChatModel:
    """The embedded model's client, its server started if it is not running.

    ``prompt="generic"`` and ``repair=False`` turn the small-model help off (to measure it);
    ``planning`` says whether the server's cached prefix includes the planning tool (default:
    as the settings say for this provider).
    """
    if planning is None:
        planning = plans_turns(settings, "local")
    try:
        from agent.llm.assemble import MODEL_ID
        from agent.llm.launcher import ensure_local_server
    except ImportError as exc:
        raise ModelUnavailable(f"The local model is not available: {exc}") from exc
    from pydantic import SecretStr

    from agent.local_chat import LocalChatOpenAI

    system_prompt = LOCAL_SYSTEM_PROMPT if prompt == "tuned" else SYSTEM_PROMPT
    if planning and prompt == "tuned":
        system_prompt += LOCAL_PLANNING_EXAMPLES
    try:
        warmup = warmup_request(system_prompt, planning=planning)
        base_url = ensure_local_server(settings, warmup=warmup)
    except Exception as exc:  # assembly, install or start-up problems name their fix
        raise ModelUnavailable(f"The local model could not start: {exc}") from exc
    return LocalChatOpenAI(
        base_url=base_url,
        api_key=SecretStr("local"),
        model=MODEL_ID,
        temperature=0,
        max_tokens=settings.llm_max_tokens,
        max_retries=1,
        # A cold prompt (the ~4,500-token tool block) takes minutes on a busy 2-core machine,
        # and so can the first token after a turn's long tool results: wait as long for it.
        timeout=600,
        stream_chunk_timeout=600,
        system_prompt=system_prompt,
        repair_calls=repair,
    )


def scripted_model(settings: Settings, script: Script | None = None) -> BaseChatModel:
    """The deterministic model: ``script``, else ``settings.agent_script``, else the demo rules."""
    if script is None and settings.agent_script is not None:
        script = ReplayScript.from_file(settings.agent_script)
    if script is None:
        from agent.demo_script import DemoScript

        script = DemoScript()
    return ScriptedChatModel(script=script)


def warmup_request(
    system_prompt: str = LOCAL_SYSTEM_PROMPT, *, planning: bool = False
) -> dict[str, Any]:
    """The agent's prompt prefix (system prompt and tools) for the local server to cache."""
    from agent.planning import tools_to_bind

    return {
        "messages": [{"role": "system", "content": system_prompt}],
        "tools": [convert_to_openai_tool(tool) for tool in tools_to_bind(planning)],
    }


def _chat_openai(*, base_url: str | None, api_key: str, model: str) -> BaseChatModel:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        base_url=base_url,
        api_key=SecretStr(api_key),
        model=model,
        temperature=0,
        max_retries=1,
        timeout=120,
    )
