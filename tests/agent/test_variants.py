"""Choosing the variant the shopper described (no model, no I/O)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.repair import CallRepair
from agent.variants import SeenVariant, choose_variant, seen_variants
from tools.base import for_model

SHIRTS = [
    SeenVariant(f"var_{color}{size}", "prd_shirt", (color, size))
    for color in ("red", "blue", "black")
    for size in ("S", "M", "L")
]
SHOES = [SeenVariant("var_shoe9", "prd_shoe", ("yellow", "9"))]


def _product_result(variants: list[SeenVariant]) -> ToolMessage:
    page = {
        "id": variants[0].product_id,
        "name": "T-Shirt",
        "options": {"color": ["red", "blue"], "size": ["S", "M"]},
        "variants": [
            {
                "id": v.id,
                "product_id": v.product_id,
                "options": dict(zip(("color", "size"), v.options, strict=True)),
            }
            for v in variants
        ],
    }
    return ToolMessage(content=for_model(page), tool_call_id="c0", name="get_product")


def test_variants_are_read_from_product_pages_and_cart_lines() -> None:
    cart = {
        "items": [
            {
                "variant_id": "var_shoe9",
                "product_id": "prd_shoe",
                "options": {"c": "yellow", "s": "9"},
            }
        ]
    }
    messages = [
        HumanMessage("show me the shirt"),
        _product_result(SHIRTS),
        ToolMessage(content=for_model(cart), tool_call_id="c1", name="view_cart"),
    ]
    assert seen_variants(messages) == [*SHIRTS, *SHOES]


def test_a_neighbouring_row_is_replaced_by_the_variant_described() -> None:
    assert choose_variant("var_redM", "add the blue one in size M", SHIRTS) == "var_blueM"
    # Option values are matched as written: a Chinese request naming "blue" and "M码" works.
    assert choose_variant("var_blackS", "我要blue的，M码", SHIRTS) == "var_blueM"


def test_the_models_choice_stays_when_it_fits_as_well_or_nothing_is_described() -> None:
    assert choose_variant("var_blueM", "add the blue one in size M", SHIRTS) is None
    assert choose_variant("var_redM", "add it to my cart", SHIRTS) is None
    # "blue" alone fits three sizes equally: no single variant is meant.
    assert choose_variant("var_redM", "the blue one please", SHIRTS) is None
    # The m of "I'm" is not size M.
    assert choose_variant("var_redS", "I'm taking the red one", SHIRTS) is None


def test_only_the_chosen_products_variants_are_candidates() -> None:
    assert choose_variant("var_shoe9", "the blue one in M", [*SHIRTS, *SHOES]) is None
    assert choose_variant("var_made_up", "the blue one in M", [*SHIRTS, *SHOES]) == "var_blueM"


def test_a_product_id_written_as_a_variant_id_becomes_that_products_variant() -> None:
    shown = [*SHIRTS, *SHOES]
    # The only variant of the copied product; the described one among several; and ties go
    # to the first shown (the made-up id would fail anyway).
    assert choose_variant("var_shoe", "add it", shown) == "var_shoe9"
    assert choose_variant("var_shirt", "the black one in L", shown) == "var_blackL"
    assert choose_variant("var_shirt", "size M please", shown) == "var_redM"
    # Nothing described and several variants: the made-up id stays (and fails, explained).
    assert choose_variant("var_shirt", "add it", shown) is None


class _Replies:
    """A tool-bound model stand-in returning one fixed reply."""

    def __init__(self, reply: AIMessage) -> None:
        self.reply = reply

    def invoke(self, *_: Any, **__: Any) -> AIMessage:
        return self.reply


def test_call_repair_puts_the_described_variant_into_add_to_cart() -> None:
    call = {"name": "add_to_cart", "args": {"variant_id": "var_redM", "quantity": 1}, "id": "c2"}
    messages = [
        HumanMessage("show me the shirt"),
        AIMessage(
            "",
            tool_calls=[{"name": "get_product", "args": {"product_id": "prd_shirt"}, "id": "c0"}],
        ),
        _product_result(SHIRTS),
        HumanMessage("add the blue one in size M"),
    ]
    repaired, problems = CallRepair(_Replies(AIMessage("", tool_calls=[call]))).fix(  # type: ignore[arg-type]
        AIMessage("", tool_calls=[call]), messages
    )
    assert problems == {}
    assert repaired.tool_calls[0]["args"] == {"variant_id": "var_blueM", "quantity": 1}
