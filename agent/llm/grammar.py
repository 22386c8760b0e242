"""GBNF grammar for tool calls: only offered tools, arguments following their JSON schemas.

A reply in call mode is one to four Qwen-style blocks
`<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` or the same JSON object bare:
left free, this model often writes the bare object (or fences it), and refusing that form
pushed it into prose *describing* the call. Whether a reply is a call at all is decided
before, from the model's first-token probabilities (see `agent.llm.constraint`); this grammar
only shapes calls. Arguments follow each tool's JSON schema via llama.cpp's own converter; a
schema it cannot convert falls back to any JSON object.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from agent.llm.protocol import ToolDef

logger = logging.getLogger(__name__)

MAX_CALLS = 4
ARGUMENTS_KEY = ', "arguments": '
# llama.cpp's converter spells a bound of n as n nested optional groups; llama.cpp then refuses
# the grammar past ~1,000 (its parser recurses) and every bound makes each token check slower.
# Larger bounds are dropped from the grammar: the tool validates its arguments anyway.
MAX_GRAMMAR_BOUND = 256
_BOUNDS = ("maxLength", "maxItems", "maxProperties")

_GENERIC_JSON = r"""
dt-ws ::= [ \t\n]{0,20}
dt-object ::= "{" dt-ws ( dt-member ( "," dt-ws dt-member )* )? "}" dt-ws
dt-member ::= dt-string ":" dt-ws dt-value
dt-array ::= "[" dt-ws ( dt-value ( "," dt-ws dt-value )* )? "]" dt-ws
dt-value ::= dt-object | dt-array | dt-string | dt-number | ( "true" | "false" | "null" ) dt-ws
dt-string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\"" dt-ws
dt-number ::= "-"? ( [0-9] | [1-9] [0-9]{0,15} ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]{1,15} )? dt-ws
"""


def _literal(text: str) -> str:
    """A GBNF string literal."""
    return json.dumps(text)


def loosen_bounds(schema: Any) -> Any:
    """A copy of a JSON schema without length/count bounds above :data:`MAX_GRAMMAR_BOUND`."""
    if isinstance(schema, list):
        return [loosen_bounds(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: loosen_bounds(value)
        for key, value in schema.items()
        if not (key in _BOUNDS and isinstance(value, int) and value > MAX_GRAMMAR_BOUND)
    }


def _schema_rules(tools: list[ToolDef]) -> tuple[dict[str, str], list[str]]:
    """Argument rule name per tool and the GBNF lines defining them (llama.cpp converter).

    One converter serves all tools so shared primitives (string, number, space) are defined
    once; each tool's $refs resolve under its own base URL so equal $defs names cannot clash.
    """
    try:
        from llama_cpp.llama_grammar import SchemaConverter
    except ImportError:  # only the engine needs llama_cpp; without it, any object is allowed
        return _generic_rules(tools)

    converter = SchemaConverter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
    names: dict[str, str] = {}
    for tool in tools:
        schema: dict[str, Any] = loosen_bounds(
            tool.function.parameters or {"type": "object", "properties": {}}
        )
        label = "tool-" + "".join(c if c.isalnum() else "-" for c in tool.function.name)
        snapshot = (dict(converter._rules), dict(converter._refs))
        try:
            resolved = converter.resolve_refs(schema, label)
            names[tool.function.name] = converter.visit(resolved, f"{label}-args")
        except Exception as exc:  # the converter raises bare Exceptions and asserts
            logger.warning("%s: schema not convertible (%s); any object allowed", label, exc)
            converter._rules, converter._refs = snapshot
            names[tool.function.name] = "dt-object"
    return names, converter.format_grammar().splitlines()


def _generic_rules(tools: list[ToolDef]) -> tuple[dict[str, str], list[str]]:
    return {tool.function.name: "dt-object" for tool in tools}, []


def build_grammar(
    tools: list[ToolDef],
    forced: str | None = None,
    parallel: bool = True,
    schema_args: bool = True,
) -> str:
    """GBNF whose language is the tool calls a reply may make.

    `forced` restricts calls to one tool; `parallel=False` allows a single call;
    `schema_args=False` accepts any JSON object as arguments (no llama_cpp import needed).
    """
    offered = [t for t in tools if forced is None or t.function.name == forced]
    if not offered:
        raise ValueError("a call grammar needs at least one tool")
    arg_rules, lines = _schema_rules(offered) if schema_args else _generic_rules(offered)
    alternatives = " | ".join(
        _literal(json.dumps(name) + ARGUMENTS_KEY) + " " + rule for name, rule in arg_rules.items()
    )
    repeat = f' ( "\\n" dt-tagged ){{0,{MAX_CALLS - 1}}}' if parallel else ""
    head = [
        f"root ::= dt-tagged{repeat} | dt-call",
        'dt-tagged ::= "<tool_call>\\n" dt-call "\\n</tool_call>"',
        'dt-call ::= "{\\"name\\": " dt-function "}"',
        f"dt-function ::= {alternatives}",
    ]
    return "\n".join(head + lines) + _GENERIC_JSON
