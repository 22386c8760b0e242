"""HARNESS SELF-TEST ONLY: a scripted "model" that answers from the case's expected calls.

``domtok eval agent --model scripted`` uses it to check the harness and the cases file, not a
model: it makes exactly the calls a case expects (arguments synthesised from the matching
rules, ids from the case's setup), so a case that fails under it has a wrong expectation, a
setup that does not fit the demo shop, or an end state the expected calls cannot reach. Its
scores say nothing about any language model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.eval.cases import EvalCase
from agent.eval.matching import is_rule
from agent.eval.shop import CaseShop
from agent.scripted import ScriptedChatModel
from tools.registry import TOOLS

ORACLE_LABEL = "scripted oracle (harness self-test: replays the expected calls)"
_OMIT: Any = object()


def synthesize(expected: Any, refs: Mapping[str, Any], key: str = "", seen: Any = None) -> Any:
    """A concrete value that satisfies an argument rule (``_OMIT`` for ``absent``).

    ``present`` takes the value a tool returned under the same key (``seen``: the
    conversation's messages), e.g. the payment_token get_payment_token issued; for an ``..._id``
    key no tool returned, the ``id`` of the latest result that has one (the order place_order
    just created).
    """
    if is_rule(expected):
        ((name, operand),) = expected.items()
        if name in ("absent", "optional"):
            return _OMIT
        if name == "contains":
            return operand if isinstance(operand, str) else " ".join(map(str, operand))
        if name == "any_of":
            return synthesize(operand[0], refs)
        if name == "ref":
            return refs[operand]
        if name == "present":
            return _returned(seen or [], key)
        return operand
    if isinstance(expected, Mapping):
        filled = {name: synthesize(value, refs, name, seen) for name, value in expected.items()}
        return {name: value for name, value in filled.items() if value is not _OMIT}
    if isinstance(expected, list):
        return [synthesize(item, refs, key, seen) for item in expected]
    return expected


def _returned(messages: Sequence[BaseMessage], key: str) -> Any:
    results = [
        message.artifact
        for message in reversed(messages)
        if isinstance(message, ToolMessage) and isinstance(message.artifact, dict)
    ]
    for artifact in results:
        if key in artifact:
            return artifact[key]
    if key.endswith("_id"):
        for artifact in results:
            if isinstance(artifact.get("id"), str):
                return artifact["id"]
    return "x"


class OracleScript:
    """After the shopper's message: the expected calls one per step, then a short reply."""

    def __init__(self, case: EvalCase, shop: CaseShop) -> None:
        self.steps = [expected.options()[0] for expected in case.expect.calls]
        self.refs = shop.refs

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next expected call of this turn, or the closing reply."""
        start = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        done = sum(isinstance(m, AIMessage) for m in messages[start + 1 :])
        if done < len(self.steps):
            step = self.steps[done]
            args = synthesize(step.args, self.refs, seen=messages)
            call = {"name": step.name, "args": args, "id": f"oracle_{len(messages)}_{done}"}
            return AIMessage(content="", tool_calls=[call])
        return AIMessage(content="Done. (scripted oracle)")


def oracle_model(case: EvalCase, shop: CaseShop) -> Any:
    """The tool-bound oracle for one case."""
    return ScriptedChatModel(script=OracleScript(case, shop)).bind_tools(TOOLS)
