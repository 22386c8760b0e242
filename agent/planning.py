"""Planned turns: the shopper's request, not the model's first reply, decides when a turn ends.

A small model asked "add a X to my cart" often searches and then stops, or refuses at once. In a
planned turn the model's first reply is a call of :data:`PLAN_TOOL` (forced, so the grammar
allows nothing else) naming the *changes* the shopper asks for (cart, order, account tools):
the first and, when the request continues a purchase, the one after it (:data:`FOLLOW_UPS`),
or "nothing" for a request that only looks something up or chats.

The model's own first call follows (it is best at single requests; a change it picks that the
plan did not name replaces the plan's first change, and a text reply gives way to the plan's
first step). The graph then executes the plan: each further step's tool is forced, so the
model only fills in arguments from what the conversation shows; control flow is the graph's.
Once the planned changes are made, the model writes its report without tools.

The steps come from the tools' own schemas (:func:`complete_plan`): a change that needs a
``variant_id`` the conversation has not shown gets a product look-up before it, which gets a
search before it, and so on. A look-up tried twice that still gave no id, a failed forced step
or a declined confirmation hands the turn back to the model, which explains. A COMMIT step
still waits for the shopper's confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from agent.confirmation import NOT_APPROVED_CODES
from tools.base import ShopTool, ToolKind, parse_result

PLAN_TOOL = "plan_changes"
MAX_STEPS = 6
# The most steps the graph forces in one turn (the turn's tool-call limit still applies).
MAX_FORCED = 6
# How often one look-up may be forced for a step that still lacks the id it gives.
MAX_LOOKUP_TRIES = 2
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
PRODUCT_PAGE = "get_product"
# Tools that change a line already in the cart take its variant id from the cart itself.
_CART_LINE_TOOLS = frozenset({"set_cart_quantity", "remove_from_cart"})


NOTHING = "nothing"
# Arguments that only narrow a look-up: a retry of a look-up that found nothing drops them.
FILTERS = frozenset({"category", "options", "in_stock", "sort", "status"})
# The changes that can come second in one request: a second change continues a purchase
# (add after emptying the cart, check out after adding, pay after checking out). Offering
# every change there, the model tends to name the one listed after the first.
FOLLOW_UPS = ("add_to_cart", "place_order", "pay_order")


def plan_tool(tool_names: Sequence[str]) -> dict[str, Any]:
    """The planning tool's OpenAI definition: the first change to make and the one after it,
    each one of the offered changes' names or "nothing" (two fixed choices, not a free list:
    a small model asked for a list lists every change it is offered)."""
    choices = {"type": "string", "enum": [NOTHING, *tool_names]}
    follow_ups = [name for name in FOLLOW_UPS if name in tool_names]
    then = {"type": "string", "enum": [NOTHING, *follow_ups]}
    return {
        "type": "function",
        "function": {
            "name": PLAN_TOOL,
            "description": (
                "Decide what the shop must change for the shopper's latest message before you "
                'act. "nothing" when the shopper only wants to see, find, compare or know '
                "something, or greets or thanks you. Otherwise first: the change to make "
                "first; then: the change to make after it when they ask for two, else "
                '"nothing".'
            ),
            "parameters": {
                "type": "object",
                "properties": {"first": choices, "then": then},
                "required": ["first", "then"],
            },
        },
    }


def change_tools(tools: Iterable[ShopTool]) -> list[str]:
    """The names of the tools a plan may list: those that change something and are not only
    the source of another step's argument (a payment token is fetched for pay_order)."""
    sources = {source for _, source in _SOURCES.values()}
    return [t.name for t in tools if t.kind is not ToolKind.READ and t.name not in sources]


def with_plan_tool(tools: Iterable[ShopTool]) -> list[Any]:
    """The tools to bind for planned turns: the shop's tools, then the planning tool."""
    shop = list(tools)
    return [*(convert_to_openai_tool(tool) for tool in shop), plan_tool(change_tools(shop))]


def tools_to_bind(planning: bool) -> list[Any]:
    """What to bind the model to: the shop's tools, plus the planning tool in planned turns."""
    from tools.registry import TOOLS

    return with_plan_tool(TOOLS) if planning else list(TOOLS)


def forced(tool_name: str) -> dict[str, Any]:
    """Call options that force a call of ``tool_name`` (OpenAI's named tool choice)."""
    return {"tool_choice": {"type": "function", "function": {"name": tool_name}}}


def plan_of(reply: AIMessage, allowed: Iterable[str]) -> list[str]:
    """The changes a reply's planning call names, in order, keeping only ``allowed`` names and
    each once (a change named twice is not made twice); [] when it made no such call or names
    nothing."""
    names = set(allowed)
    for call in reply.tool_calls:
        if call["name"] == PLAN_TOOL:
            picked = [call["args"].get("first"), call["args"].get("then")]
            steps = [step for step in picked if isinstance(step, str) and step in names]
            return list(dict.fromkeys(steps))
    return []


def next_step(
    plan: Sequence[str], tools: Mapping[str, ShopTool], seen: str, called: Sequence[str]
) -> str | None:
    """The tool to force next for the plan's first change: a look-up it still needs, else the
    change itself; None when a needed look-up already ran twice this turn without giving the
    id (the second time the model sees the first result, e.g. a search that found nothing,
    and may ask differently; asking the same again is caught as a repeat)."""
    if not plan:
        return None
    steps = complete_plan(plan[:1], tools, seen, called=called)
    if not steps:
        return None
    if steps[0] != plan[0] and called.count(steps[0]) >= MAX_LOOKUP_TRIES:
        return None
    return steps[0]


def without_filters(reply: AIMessage) -> AIMessage:
    """``reply`` with the narrowing :data:`FILTERS` taken out of its calls' arguments."""
    calls = [
        {**call, "args": {k: v for k, v in call["args"].items() if k not in FILTERS}}
        for call in reply.tool_calls
    ]
    return reply.model_copy(update={"tool_calls": calls})


def required_args(tool: ShopTool) -> list[str]:
    """The names of a tool's required arguments, from the schema the model sees."""
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return []
    return [name for name, field in schema.model_fields.items() if field.is_required()]


def complete_plan(
    steps: Sequence[str],
    tools: Mapping[str, ShopTool],
    seen: str,
    limit: int = MAX_STEPS + 2,
    called: Iterable[str] = (),
) -> list[str]:
    """The plan with unknown tools dropped and each missing look-up put before its step.

    ``seen`` is the text the conversation has shown (ids already there need no look-up);
    ``called`` names the tools this turn already ran (a value without an id prefix, such as a
    payment token, is there once its tool ran). The result has at most ``limit`` steps.
    """
    planned: list[str] = []
    ran = set(called)
    for step in steps:
        if step in tools:
            _add_with_sources(step, tools, seen, ran, planned, depth=0)
    return planned[:limit]


def _add_with_sources(
    step: str,
    tools: Mapping[str, ShopTool],
    seen: str,
    ran: set[str],
    planned: list[str],
    depth: int,
) -> None:
    for source in _sources(step, tools):
        if source not in tools or source in planned or depth > 3:
            continue
        if _known(source, step, tools, seen, ran):
            continue
        _add_with_sources(source, tools, seen, ran, planned, depth + 1)
    planned.append(step)


def _sources(step: str, tools: Mapping[str, ShopTool]) -> list[str]:
    """The look-ups ``step`` needs, in order: one per required id, and a product page when it
    names other variants of an ordered product (an exchange picks the new size there)."""
    found = [s for a in required_args(tools[step]) if (s := _source_of(step, a)) is not None]
    if _names_new_variants(tools[step]) and PRODUCT_PAGE not in found:
        found.append(PRODUCT_PAGE)
    return found


def _known(source: str, step: str, tools: Mapping[str, ShopTool], seen: str, ran: set[str]) -> bool:
    """Whether what ``source`` gives is already there: its id prefix was shown, or (values
    without a prefix, and the product page an exchange needs) it ran this turn."""
    if source == PRODUCT_PAGE and _names_new_variants(tools[step]):
        return source in ran
    prefixes = [_SOURCES[a][0] for a in required_args(tools[step]) if _source_of(step, a) == source]
    prefix = prefixes[0] if prefixes else None
    return source in ran if prefix is None else prefix in seen


def _names_new_variants(tool: ShopTool) -> bool:
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return False
    return "new_variant_id" in json.dumps(schema.model_json_schema())


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
