"""Picking the variant the shopper described from those the conversation has shown.

A product page lists every variant with its id and options (a T-shirt: 4 colours x 5 sizes x 2
materials). Asked for "the blue one in size M", the 1.5B model reliably calls ``add_to_cart`` but
often copies the id of a neighbouring row. Code can do that lookup better: when the shopper's
latest message names option values and exactly one shown variant of the same product matches
more of them than the model's choice, that variant is the one meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from tools.base import DATA_CLOSE, DATA_OPEN

# Tools whose ``variant_id`` names a variant the shopper describes by its options.
VARIANT_TOOLS = frozenset({"add_to_cart", "set_cart_quantity", "remove_from_cart"})


@dataclass(frozen=True)
class SeenVariant:
    """A variant a tool result showed: its id, its product and its option values."""

    id: str
    product_id: str
    options: tuple[str, ...]


def seen_variants(messages: Sequence[BaseMessage]) -> list[SeenVariant]:
    """Every variant (with options) in the conversation's tool results, first seen first."""
    found: dict[str, SeenVariant] = {}
    for message in messages:
        if isinstance(message, ToolMessage) and isinstance(message.content, str):
            for variant in _variants_in(_data(message.content)):
                found.setdefault(variant.id, variant)
    return list(found.values())


def _data(content: str) -> Any:
    text = content.strip()
    if text.startswith(DATA_OPEN) and text.endswith(DATA_CLOSE):
        text = text[len(DATA_OPEN) : -len(DATA_CLOSE)]
    try:
        return json.loads(text)
    except ValueError:
        return None


def _variants_in(data: Any) -> Iterator[SeenVariant]:
    """Product variants (``id``) and cart lines (``variant_id``) anywhere in a result."""
    if isinstance(data, list):
        for item in data:
            yield from _variants_in(item)
        return
    if not isinstance(data, dict):
        return
    options = data.get("options")
    variant_id = data.get("variant_id") or data.get("id")
    if (
        isinstance(options, dict)
        and isinstance(variant_id, str)
        and variant_id.startswith("var_")
        and all(isinstance(value, str) for value in options.values())
    ):
        yield SeenVariant(variant_id, str(data.get("product_id", "")), tuple(options.values()))
    for value in data.values():
        if isinstance(value, dict | list):
            yield from _variants_in(value)


def _mentioned(value: str, text: str) -> bool:
    """Whether an option value is named as a word: "M" as a size, not the m of "I'm"."""
    if not value.strip():
        return False
    flags = 0 if len(value) == 1 else re.IGNORECASE
    # Latin letters and digits bound a word; a Chinese character does not ("M码" names size M).
    found = re.search(rf"(?<![A-Za-z0-9_'’]){re.escape(value)}(?![A-Za-z0-9_'’])", text, flags)
    return found is not None


def _score(variant: SeenVariant, text: str) -> int:
    return sum(_mentioned(value, text) for value in variant.options)


def choose_variant(chosen: str, text: str, variants: Sequence[SeenVariant]) -> str | None:
    """The variant ``text`` describes better than ``chosen`` does, or None to keep ``chosen``.

    Candidates are the shown variants of the chosen variant's product. A chosen id that was
    never shown is made up and would fail: then the candidates are the variants of the product
    whose id it copies (``prd_X`` written as ``var_X``, a typical slip), else every shown
    variant, and the first best match is taken (or the only variant of that product). A shown
    choice is replaced only by a single variant that matches the text better.
    """
    by_id = {variant.id: variant for variant in variants}
    current = by_id.get(chosen)
    if current is None:
        return _instead_of_made_up(chosen, text, variants)
    candidates = [v for v in variants if v.product_id == current.product_id]
    scored = [(_score(variant, text), variant) for variant in candidates]
    best = max((score for score, _ in scored), default=0)
    if best == 0:
        return None
    top = [variant for score, variant in scored if score == best]
    if len(top) != 1 or top[0].id == chosen:
        return None
    if _score(current, text) >= best:
        return None
    return top[0].id


def _instead_of_made_up(chosen: str, text: str, variants: Sequence[SeenVariant]) -> str | None:
    suffix = chosen.split("_", 1)[-1]
    copied = [v for v in variants if v.product_id.split("_", 1)[-1] == suffix]
    candidates = copied or list(variants)
    if len(copied) == 1:
        return copied[0].id
    scored = [(_score(variant, text), variant) for variant in candidates]
    best = max((score for score, _ in scored), default=0)
    if best == 0:
        return None
    return next(variant.id for score, variant in scored if score == best)
