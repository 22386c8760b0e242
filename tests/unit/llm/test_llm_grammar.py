"""GBNF text for the reply grammar (the llama.cpp parser itself runs in the slow tests)."""

from __future__ import annotations

import pytest

from agent.llm.grammar import MAX_CALLS, build_grammar, loosen_bounds
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


def test_calls_name_only_offered_tools_tagged_or_bare() -> None:
    rules = _rules(build_grammar(TOOLS, schema_args=False))
    assert rules["root"] == f'dt-tagged ( "\\n" dt-tagged ){{0,{MAX_CALLS - 1}}} | dt-call'
    assert rules["dt-tagged"] == '"<tool_call>\\n" dt-call "\\n</tool_call>"'
    assert rules["dt-call"] == '"{\\"name\\": " dt-function "}"'
    assert rules["dt-function"] == (
        '"\\"search_products\\", \\"arguments\\": " dt-object | '
        '"\\"view_cart\\", \\"arguments\\": " dt-object'
    )


def test_a_forced_tool_is_the_only_callable_one() -> None:
    rules = _rules(build_grammar(TOOLS, forced="view_cart", schema_args=False))
    assert "search_products" not in rules["dt-function"]
    assert "view_cart" in rules["dt-function"]


def test_no_parallel_calls_means_exactly_one_call() -> None:
    assert _rules(build_grammar(TOOLS, parallel=False, schema_args=False))["root"] == (
        "dt-tagged | dt-call"
    )


def test_a_grammar_needs_a_tool() -> None:
    with pytest.raises(ValueError, match="at least one tool"):
        build_grammar([], schema_args=False)


def test_every_referenced_rule_is_defined() -> None:
    pytest.importorskip("llama_cpp", reason="schema-typed arguments use llama.cpp's converter")
    for schema_args in (False, True):
        rules = _rules(build_grammar(TOOLS, schema_args=schema_args))
        for body in rules.values():
            for ref in _references(body):
                assert ref in rules, f"undefined rule {ref}"


def test_schema_arguments_require_declared_fields() -> None:
    pytest.importorskip("llama_cpp", reason="schema-typed arguments use llama.cpp's converter")
    rules = _rules(build_grammar(TOOLS))
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


def test_large_length_bounds_are_left_to_validation_and_small_ones_kept() -> None:
    schema = {
        "type": "object",
        "properties": {
            "note": {"type": "string", "maxLength": 2000, "minLength": 1},
            "code": {"type": "string", "maxLength": 40},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 5000}},
        },
        "anyOf": [{"maxProperties": 1000}],
    }
    assert loosen_bounds(schema) == {
        "type": "object",
        "properties": {
            "note": {"type": "string", "minLength": 1},
            "code": {"type": "string", "maxLength": 40},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "anyOf": [{}],
    }
