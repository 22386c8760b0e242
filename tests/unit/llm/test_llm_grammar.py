"""GBNF text for the reply grammar (the llama.cpp parser itself runs in the slow tests)."""

from __future__ import annotations

import pytest

from agent.llm.grammar import MAX_CALLS, build_grammar
from agent.llm.protocol import ToolDef

TOOLS = [
    ToolDef.model_validate({"type": "function", "function": {"name": name, "parameters": params}})
    for name, params in [
        (
            "search_products",
            {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        ),
        ("view_cart", None),
    ]
]


def _rules(grammar: str) -> dict[str, str]:
    return dict(line.split(" ::= ", 1) for line in grammar.strip().splitlines())


def test_auto_allows_text_or_calls_naming_only_offered_tools() -> None:
    rules = _rules(build_grammar(TOOLS, "auto", schema_args=False))
    assert rules["root"] == "dt-text | dt-calls"
    assert rules["dt-call"] == '"<tool_call>\\n{\\"name\\": " dt-function "}\\n</tool_call>"'
    assert rules["dt-function"] == (
        '"\\"search_products\\", \\"arguments\\": " dt-object | '
        '"\\"view_cart\\", \\"arguments\\": " dt-object'
    )
    assert f"{{0,{MAX_CALLS - 1}}}" in rules["dt-calls"]


def test_prose_cannot_start_like_a_call_or_json() -> None:
    first_char_class = _rules(build_grammar(TOOLS, "auto", schema_args=False))["dt-text"].split(
        " "
    )[0]
    for opener in ("<", "{", "\\[", "`"):
        assert opener in first_char_class
    assert first_char_class.startswith("[^")


def test_required_and_named_choices_allow_only_calls() -> None:
    assert _rules(build_grammar(TOOLS, "required", schema_args=False))["root"] == "dt-calls"
    named = _rules(build_grammar(TOOLS, "required", forced="view_cart", schema_args=False))
    assert named["root"] == "dt-calls"
    assert "search_products" not in named["dt-function"]


def test_none_allows_only_text() -> None:
    assert _rules(build_grammar(TOOLS, "none", schema_args=False))["root"] == "dt-text"


def test_no_parallel_calls_means_exactly_one_call() -> None:
    assert (
        _rules(build_grammar(TOOLS, "auto", parallel=False, schema_args=False))["dt-calls"]
        == "dt-call"
    )


def test_every_referenced_rule_is_defined() -> None:
    pytest.importorskip("llama_cpp", reason="schema-typed arguments use llama.cpp's converter")
    for schema_args in (False, True):
        rules = _rules(build_grammar(TOOLS, "auto", schema_args=schema_args))
        for body in rules.values():
            for ref in _references(body):
                assert ref in rules, f"undefined rule {ref}"


def test_schema_arguments_require_declared_fields() -> None:
    pytest.importorskip("llama_cpp", reason="schema-typed arguments use llama.cpp's converter")
    rules = _rules(build_grammar(TOOLS, "auto"))
    search_rule = rules["dt-function"].split(" | ")[0].split(" ")[-1]
    assert '"\\"query\\""' in rules[rules[search_rule].split(" ")[2]]


def _references(body: str) -> list[str]:
    refs, token, quote, klass, escaped = [], "", False, False, False
    for char in body + " ":
        if quote or klass:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif (quote and char == '"') or (klass and char == "]"):
                quote = klass = False
            continue
        if char.isalnum() or char == "-":
            token += char
            continue
        if token and not token.isdigit():
            refs.append(token)
        token = ""
        quote, klass = char == '"', char == "["
    return refs
