"""What every shop tool shares: its run context, its risk class, and how results reach the model.

A tool is one service call. The acting user comes from the run's context (``ToolRuntime``),
never from an argument, so a model cannot act for anyone else. Results are serialised to compact
JSON for the model (and kept whole as the message's artifact for the API); a ``ShopError`` becomes
``{"error": {"code", "message"}}`` so the model can explain or recover.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, ValidationError

from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.errors import ShopError

DATA_OPEN = "<shop_data>"
DATA_CLOSE = "</shop_data>"

# Fields the API shows but that only cost the model tokens or tempt it to reason about internals.
# search_terms are for search, not for the shopper: the model need not read them.
_MODEL_HIDDEN_KEYS = frozenset(
    {
        "price_version",
        "on_hand",
        "reserved",
        "merchant_id",
        "images",
        "updated_at",
        "password",
        "search_terms",
    }
)


class ToolKind(enum.StrEnum):
    """How much a call can change.

    READ changes nothing; CART makes reversible changes that move no money (cart lines, claimed
    coupons, a payment token) and runs freely; COMMIT moves money or changes an order or the
    account (addresses, payment methods) and runs only after the shopper confirms it.
    """

    READ = "read"
    CART = "cart"
    COMMIT = "commit"


class ShopContext:
    """Who acts and with which services; the agent's run context extends it.

    A plain class rather than a dataclass: langchain dumps tool arguments with pydantic, which
    would walk a dataclass (and the whole Container) on every call.
    """

    __slots__ = ("actor", "services")

    def __init__(self, actor: Actor, services: Container) -> None:
        self.actor = actor
        self.services = services


Summarizer = Callable[[ShopContext, dict[str, Any]], Awaitable[dict[str, Any]]]
# The context is typed Any so pydantic does not build a schema of the Container; context_of()
# checks it at run time.
ShopRuntime = ToolRuntime[Any, Any]


class ShopTool(StructuredTool):
    """A structured tool that knows its risk class and turns shop errors into tool results."""

    kind: ToolKind = ToolKind.READ
    summarize: Summarizer | None = None

    async def _arun(
        self, *args: Any, config: RunnableConfig, run_manager: Any = None, **kwargs: Any
    ) -> tuple[str, Any]:
        try:
            result = await super()._arun(*args, config=config, run_manager=run_manager, **kwargs)
        except ShopError as exc:
            error = error_payload(exc.code, exc.message)
            return dumps(error), error
        data = to_data(result)
        return for_model(data), data


def shop_tool(
    kind: ToolKind, *, summarize: Summarizer | None = None
) -> Callable[[Callable[..., Awaitable[Any]]], ShopTool]:
    """Turn an async function into a :class:`ShopTool`; its docstring is the model's prompt."""

    def decorate(fn: Callable[..., Awaitable[Any]]) -> ShopTool:
        tool = ShopTool.from_function(
            coroutine=fn,
            name=fn.__name__,
            description=_describe(fn),
            response_format="content_and_artifact",
            handle_validation_error=invalid_arguments,
        )
        assert isinstance(tool, ShopTool)
        tool.kind = kind
        tool.summarize = summarize
        return tool

    return decorate


def context_of(runtime: ShopRuntime) -> ShopContext:
    """The run's context; refuses to run a tool without an acting user."""
    context = runtime.context
    if not isinstance(context, ShopContext):
        raise RuntimeError("shop tools need a ShopContext in the run context")
    return context


def error_payload(code: str, message: str) -> dict[str, Any]:
    """The error shape tools return: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


def to_data(result: Any) -> Any:
    """Plain JSON-ready data from a service result (pydantic models, lists of them, dicts)."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list | tuple):
        return [to_data(item) for item in result]
    if isinstance(result, dict):
        return {key: to_data(value) for key, value in result.items()}
    return result


def for_model(data: Any) -> str:
    """Compact JSON wrapped in data markers; ``<`` is escaped so text cannot close the marker."""
    return f"{DATA_OPEN}{dumps(compact(data))}{DATA_CLOSE}"


def dumps(data: Any) -> str:
    """Compact JSON with no way to forge a ``<shop_data>`` boundary inside strings."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c")


def compact(data: Any) -> Any:
    """Money as its formatted text, no nulls, no internal fields: fewer tokens, same meaning."""
    if isinstance(data, dict):
        if set(data) == {"amount", "currency", "formatted"}:
            return data["formatted"]
        return {
            key: compact(value)
            for key, value in data.items()
            if value is not None and key not in _MODEL_HIDDEN_KEYS
        }
    if isinstance(data, list):
        return [compact(item) for item in data]
    return data


def parse_result(content: Any, artifact: Any) -> tuple[Any, dict[str, Any] | None]:
    """``(result, error)`` of a tool message, from its artifact or, failing that, its text."""
    if isinstance(artifact, dict) and isinstance(artifact.get("error"), dict):
        return None, artifact["error"]
    if artifact is not None:
        return artifact, None
    text = content if isinstance(content, str) else json.dumps(content)
    if text.startswith(DATA_OPEN) and text.endswith(DATA_CLOSE):
        text = text[len(DATA_OPEN) : -len(DATA_CLOSE)]
    try:
        data = json.loads(text)
    except ValueError:
        return text, None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return None, data["error"]
    return data, None


def invalid_arguments(exc: ValidationError | Exception) -> str:
    """The tool result for arguments that fail the schema (its message names each problem)."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
            for err in exc.errors()
            if err["loc"] != ("runtime",)
        )
    else:
        problems = str(exc)
    return dumps(error_payload("invalid_arguments", problems or "invalid arguments"))


def _describe(fn: Callable[..., Any]) -> str:
    doc = (fn.__doc__ or "").strip()
    if not doc:
        raise ValueError(f"tool {fn.__name__} needs a docstring: it is the model's prompt")
    return " ".join(line.strip() for line in doc.splitlines() if line.strip())
