"""Planned turns: the model lists the tool calls a request needs, the graph carries them out.

A small model asked "add a X to my cart" often answers with one call, or none, and the turn
ends half-way. In a planned turn the model's first reply is a call of :data:`PLAN_TOOL`
(forced, so the grammar allows nothing else) listing the tools to call in order. The graph then
asks for each step with that one tool forced, so the model only fills in arguments from what
the conversation shows; control flow is the graph's, not the model's.

:func:`complete_plan` adds the look-ups a step needs and the plan forgot, read from the tools'
own schemas: a step that needs a ``variant_id`` the conversation has not shown gets a product
look-up before it, which gets a search before it, and so on. A step that fails sends the model
back to planning once (with the failure in view); a declined confirmation ends the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from agent.confirmation import NOT_APPROVED_CODES
from tools.base import ShopTool, parse_result

PLAN_TOOL = "plan_steps"
MAX_STEPS = 6
MAX_PLANS = 2
NO_TOOLS: dict[str, Any] = {"tool_choice": "none"}

# Where the value of a required argument comes from: the id's prefix as tools print it (None:
# a value that is never reused, such as a payment token) and the tool that shows it.
_SOURCES: dict[str, tuple[str | None, str]] = {
    "product_id": ("prd_", "search_products"),
    "variant_id": ("var_", "get_product"),
    "order_id": ("ord_", "list_orders"),
    "address_id": ("adr_", "list_addresses"),
    "payment_method_id": ("pm_", "list_payment_methods"),
    "payment_token": (None, "get_payment_token"),
    "items": ("oli_", "get_order"),
}
# Tools that change a line already in the cart take its variant id from the cart itself.
_CART_LINE_TOOLS = frozenset({"set_cart_quantity", "remove_from_cart"})


def plan_tool(tool_names: Sequence[str]) -> dict[str, Any]:
    """The planning tool's OpenAI definition: an ordered list of the offered tools' names."""
    return {
        "type": "function",
        "function": {
            "name": PLAN_TOOL,
            "description": (
                "Before acting, list the tools to call, in order, to finish the shopper's whole "
                "request (find, choose, change, order, pay...). Start with the look-ups that "
                "give the ids the later steps need: a product the shopper names but whose id "
                "is not shown yet is found with search_products first. An empty list only when "
                "the request needs no shop data (greetings, thanks, questions about you)."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "steps": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(tool_names)},
                        "maxItems": MAX_STEPS,
                    }
                },
                "required": ["steps"],
            },
        },
    }


def with_plan_tool(tools: Iterable[ShopTool]) -> list[Any]:
    """The tools to bind for planned turns: the shop's tools, then the planning tool."""
    shop = [convert_to_openai_tool(tool) for tool in tools]
    return [*shop, plan_tool([t["function"]["name"] for t in shop])]


def tools_to_bind(planning: bool) -> list[Any]:
    """What to bind the model to: the shop's tools, plus the planning tool in planned turns."""
    from tools.registry import TOOLS

    return with_plan_tool(TOOLS) if planning else list(TOOLS)


def forced(tool_name: str) -> dict[str, Any]:
    """Call options that force a call of ``tool_name`` (OpenAI's named tool choice)."""
    return {"tool_choice": {"type": "function", "function": {"name": tool_name}}}


def plan_of(reply: AIMessage) -> list[str] | None:
    """The steps of a reply's planning call, or None if it made none."""
    for call in reply.tool_calls:
        if call["name"] == PLAN_TOOL:
            steps = call["args"].get("steps")
            return [s for s in steps if isinstance(s, str)] if isinstance(steps, list) else []
    return None


def required_args(tool: ShopTool) -> list[str]:
    """The names of a tool's required arguments, from the schema the model sees."""
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return []
    return [name for name, field in schema.model_fields.items() if field.is_required()]


def complete_plan(
    steps: Sequence[str], tools: Mapping[str, ShopTool], seen: str, limit: int = MAX_STEPS + 2
) -> list[str]:
    """The plan with unknown tools dropped and each missing look-up put before its step.

    ``seen`` is the text the conversation has shown (ids already there need no look-up).
    The result has at most ``limit`` steps.
    """
    planned: list[str] = []
    for step in steps:
        if step in tools:
            _add_with_sources(step, tools, seen, planned, depth=0)
    return planned[:limit]


def _add_with_sources(
    step: str, tools: Mapping[str, ShopTool], seen: str, planned: list[str], depth: int
) -> None:
    for argument in required_args(tools[step]):
        source = _source_of(step, argument)
        if source is None or source not in tools or source in planned or depth > 3:
            continue
        prefix = _SOURCES[argument][0]
        if prefix is not None and prefix in seen:
            continue
        _add_with_sources(source, tools, seen, planned, depth + 1)
    planned.append(step)


def _source_of(step: str, argument: str) -> str | None:
    if argument not in _SOURCES:
        return None
    if argument == "variant_id" and step in _CART_LINE_TOOLS:
        return "view_cart"
    source = _SOURCES[argument][1]
    return None if source == step else source


def error_code(message: BaseMessage) -> str | None:
    """The error code of a tool result (a refused call, or a ShopError the tool reported)."""
    if not isinstance(message, ToolMessage):
        return None
    _, error = parse_result(message.content, message.artifact)
    return None if error is None else str(error.get("code"))


def declined(message: BaseMessage) -> bool:
    """Whether a tool result says the shopper did not approve a confirmation."""
    return error_code(message) in NOT_APPROVED_CODES


def failed(message: BaseMessage) -> bool:
    """Whether a tool result is an error."""
    return error_code(message) is not None
