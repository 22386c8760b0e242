"""Normalising and checking tool-call arguments before they run.

A 1.5B model picks the right tool far more often than it fills it in right. Its typical slips,
measured on the evaluation set and in the shared trial notes, are fixed here in code:

* a budget read as a minimum ("under $100" → ``min_price``): with budget words and no
  "more than" words in the shopper's text, a lone ``min_price`` becomes ``max_price``;
* a zero floor (``min_price: 0``) means no floor, and a price bound in a request that names no
  price ("the most expensive laptop") was made up: both are dropped;
* filters nobody asked for (``in_stock: true``, a sort order, a category or option value, or
  any other optional fixed-choice filter such as an order status, that the shopper never
  mentioned) are dropped;
* loose types (``"$100"``, ``"2"``, ``"true"``) are coerced to the schema's type; nulls and
  unknown keys are dropped.

:func:`check_call` then finds what code cannot fix (ids the conversation never showed, ids of
the wrong kind, schema errors); :mod:`agent.repair` sends those back to the model once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from agent.prompts import is_chinese
from tools.base import ShopTool

_UNDER = re.compile(
    r"\b(under|below|less than|cheaper than|at most|max(imum)?|up to|no more than|within|"
    r"budget|lower than|not more than)\b|以下|以内|之内|不超过|不到|低于|少于|便宜于|预算|最多",
    re.IGNORECASE,
)
_OVER = re.compile(
    r"\b(over|above|more than|at least|min(imum)?|higher than|pricier than|starting at)\b|"
    r"以上|超过|高于|至少|起步",
    re.IGNORECASE,
)
# "no more than 100" and "不超过100" are budgets: take them out before looking for a floor.
_NEGATED_OVER = re.compile(r"\b(no|not) (more|higher) than\b|不超过|不高于|不多于", re.IGNORECASE)
_RANGE = re.compile(r"\bbetween\b|\bfrom\b.+\bto\b|到.*之间|之间|[0-9]\s*[-~到至]\s*[0-9]")
_STOCK = re.compile(
    r"in stock|available|availability|can buy|buy now|有货|现货|库存|能买|可以买", re.IGNORECASE
)
_SORT = re.compile(
    r"cheapest|\bcheap\b|lowest|least expensive|expensive|priciest|highest|newest|latest|"
    r"new arrivals|recent|sort|order by|便宜|最贵|贵的|最新|新品|新款|排序|从低到高|从高到低",
    re.IGNORECASE,
)
# A price the shopper gave: digits, or a Chinese amount (一百, 两千, 五十块) — not the 一 of 一台.
_PRICE_WORDS = re.compile(
    r"\d|[一二两三四五六七八九十]*[百千万]|[一二两三四五六七八九十]+\s*(块|元|美元|刀)"
)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:\.\d+)?")
# Ids the shop issues, by argument name: the prefix they carry and the tool that lists them.
ID_KINDS: dict[str, tuple[str, str]] = {
    "product_id": ("prd_", "search_products"),
    "variant_id": ("var_", "get_product (or view_cart for cart lines)"),
    "new_variant_id": ("var_", "get_product"),
    "order_id": ("ord_", "list_orders"),
    "address_id": ("adr_", "list_addresses"),
    "payment_method_id": ("pm_", "list_payment_methods"),
}


@dataclass
class Normalised:
    """A call's arguments after normalisation, with what was changed (for logs and tests)."""

    args: dict[str, Any]
    changes: list[str] = field(default_factory=list)


def _schema(tool: ShopTool) -> type[BaseModel] | None:
    schema = tool.tool_call_schema
    return schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None


def _json_types(tool: ShopTool) -> dict[str, set[str]]:
    """Each top-level parameter's JSON types (``{"number", "null"}``)."""
    schema = _schema(tool)
    if schema is None:
        return {}
    types: dict[str, set[str]] = {}
    for name, prop in schema.model_json_schema().get("properties", {}).items():
        found = {str(option.get("type")) for option in prop.get("anyOf", [prop])}
        types[name] = {t for t in found if t != "None"}
    return types


def _optional_choices(tool: ShopTool) -> set[str]:
    """The optional parameters whose values are a fixed set (an enum), e.g. a status filter."""
    schema = _schema(tool)
    if schema is None:
        return set()
    json_schema = schema.model_json_schema()
    defs = json_schema.get("$defs", {})
    required = set(json_schema.get("required", []))
    found: set[str] = set()
    for name, prop in json_schema.get("properties", {}).items():
        for option in prop.get("anyOf", [prop]):
            ref = str(option.get("$ref", "")).rsplit("/", 1)[-1]
            if name not in required and ("enum" in option or "enum" in defs.get(ref, {})):
                found.add(name)
    return found


def _number(value: str) -> float | None:
    match = _NUMBER.search(value.replace(",", ""))
    return float(match.group()) if match else None


def _coerce(value: Any, types: set[str]) -> Any:
    """A loosely typed value as the schema's type, or unchanged when it cannot be."""
    if not isinstance(value, str) or "string" in types:
        return value
    text = value.strip()
    if types & {"number", "integer"}:
        number = _number(text)
        if number is None:
            return value
        return int(number) if "integer" in types and number.is_integer() else number
    if "boolean" in types and text.lower() in ("true", "yes", "1", "false", "no", "0"):
        return text.lower() in ("true", "yes", "1")
    return value


def normalise_args(tool: ShopTool, args: Mapping[str, Any], shopper_text: str) -> Normalised:
    """Fix what code can: types, nulls, unknown keys and the search slips described above."""
    types = _json_types(tool)
    result = Normalised({})
    for name, value in args.items():
        if types and name not in types:
            result.changes.append(f"dropped unknown {name}")
            continue
        if value is None:
            continue
        coerced = _coerce(value, types.get(name, set()))
        if coerced != value:
            result.changes.append(f"{name}: {value!r} -> {coerced!r}")
        result.args[name] = coerced
    if tool.name == "search_products":
        _fix_search(result, shopper_text)
    else:
        _drop_unnamed_choices(tool, result, shopper_text)
    return result


def _drop_unnamed_choices(tool: ShopTool, result: Normalised, text: str) -> None:
    """Drop an optional fixed-choice filter (an order status) the shopper's English text does
    not name: "cancel my latest order" asks for no status, whatever the model filled in."""
    if is_chinese(text):
        return
    for name in _optional_choices(tool) & set(result.args):
        value = result.args[name]
        if isinstance(value, str) and not _mentioned(value, text):
            del result.args[name]
            result.changes.append(f"dropped {name} {value!r} (not asked for)")


def _mentioned(value: str, text: str) -> bool:
    words = [word for word in re.split(r"[\s_/-]+", value.lower()) if word]
    lowered = text.lower()
    return bool(words) and all(word in lowered for word in words)


def _fix_search(result: Normalised, text: str) -> None:
    args = result.args
    under, over = bool(_UNDER.search(text)), bool(_OVER.search(_NEGATED_OVER.sub(" ", text)))
    ranged = bool(_RANGE.search(text))
    if "min_price" in args and "max_price" not in args and under and not over and not ranged:
        args["max_price"] = args.pop("min_price")
        result.changes.append("budget: min_price -> max_price")
    elif "max_price" in args and "min_price" not in args and over and not under and not ranged:
        args["min_price"] = args.pop("max_price")
        result.changes.append("floor: max_price -> min_price")
    if not _PRICE_WORDS.search(text):
        for bound in ("min_price", "max_price"):
            if bound in args:
                result.changes.append(f"dropped {bound} {args.pop(bound)!r} (no price given)")
    if isinstance(args.get("min_price"), int | float) and args["min_price"] <= 0:
        result.changes.append(f"dropped min_price {args.pop('min_price')!r} (no floor)")
    low, high = args.get("min_price"), args.get("max_price")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        args["min_price"], args["max_price"] = high, low
        result.changes.append("swapped min_price and max_price")
    if args.get("in_stock") is True and not _STOCK.search(text):
        del args["in_stock"]
        result.changes.append("dropped in_stock (not asked for)")
    if args.get("sort") not in (None, "relevance") and not _SORT.search(text):
        result.changes.append(f"dropped sort {args.pop('sort')!r} (not asked for)")
    if args.get("page") == 1:
        del args["page"]
    # Chinese requests are translated into English filter values, so only English text can be
    # checked word by word.
    if is_chinese(text):
        return
    category = args.get("category")
    if isinstance(category, str) and not _mentioned(category, text):
        del args["category"]
        result.changes.append(f"dropped category {category!r} (not mentioned)")
    options = args.get("options")
    if isinstance(options, dict):
        kept = {k: v for k, v in options.items() if isinstance(v, str) and _mentioned(v, text)}
        if kept != options:
            result.changes.append(f"options {options!r} -> {kept or None!r}")
            if kept:
                args["options"] = kept
            else:
                del args["options"]


def _ids(value: Any, name: str) -> Iterable[tuple[str, str]]:
    """(argument name, id) pairs of a value, walking lists and nested objects."""
    if isinstance(value, str) and name in ID_KINDS:
        yield name, value
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item, name)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _ids(item, key)


def check_call(tool: ShopTool, args: Mapping[str, Any], seen_text: str) -> list[str]:
    """What is still wrong with a call: schema errors, and ids the conversation never showed.

    ``seen_text`` is every message of the conversation so far (shopper text and tool results):
    an id that is not in it was made up.
    """
    problems: list[str] = []
    schema = _schema(tool)
    if schema is not None:
        try:
            schema.model_validate(dict(args))
        except ValidationError as exc:
            problems += [
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                for err in exc.errors()
            ]
    for name, value in _ids(args, ""):
        prefix, source = ID_KINDS[name]
        if not value.startswith(prefix):
            problems.append(f"{name} must be an id starting with {prefix}; got {value!r}")
        elif value not in seen_text:
            problems.append(
                f"{name} {value!r} does not appear in this conversation; never invent ids, "
                f"call {source} to get a real one"
            )
    token = args.get("payment_token")
    if isinstance(token, str) and token not in seen_text:
        problems.append("payment_token must be the one get_payment_token returned; call it first")
    return problems
