"""A long conversation is fitted to the prompt budget without splitting a call from its result."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.window import OMITTED, fit_history, message_chars


def _turn(n: int, result_chars: int) -> list[BaseMessage]:
    call = {"name": "get_product", "args": {"product_id": f"prd_{n}"}, "id": f"c{n}"}
    return [
        HumanMessage(f"question {n}"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("x" * result_chars, tool_call_id=f"c{n}"),
        AIMessage(f"answer {n}"),
    ]


def _size(messages: list[BaseMessage]) -> int:
    return sum(message_chars(m) for m in messages)


def test_a_conversation_within_budget_is_sent_unchanged() -> None:
    messages = _turn(1, 100) + _turn(2, 100)
    assert fit_history(messages, 10_000) == messages


def test_older_tool_results_are_left_out_first_and_the_current_turn_stays_whole() -> None:
    messages = _turn(1, 5_000) + _turn(2, 5_000) + _turn(3, 5_000)
    fitted = fit_history(messages, 7_000)
    assert len(fitted) == len(messages)
    assert [m.content for m in fitted if isinstance(m, ToolMessage)] == [
        OMITTED,
        OMITTED,
        "x" * 5_000,
    ]
    assert _size(fitted) <= 7_000
    assert messages[2].content == "x" * 5_000, "the checkpointed messages are not changed"


def test_only_as_many_results_as_needed_are_left_out() -> None:
    messages = _turn(1, 5_000) + _turn(2, 5_000) + _turn(3, 100)
    fitted = fit_history(messages, 6_000)
    assert [m.content for m in fitted if isinstance(m, ToolMessage)] == [
        OMITTED,
        "x" * 5_000,
        "x" * 100,
    ]


def test_oldest_turns_are_dropped_whole_when_notes_are_not_enough() -> None:
    messages = [m for n in range(50) for m in _turn(n, 10)] + _turn(99, 10)
    fitted = fit_history(messages, 500)
    assert isinstance(fitted[0], HumanMessage)
    assert fitted[-4:] == _turn(99, 10)
    assert _size(fitted) <= 500
    calls = {c["id"] for m in fitted if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in fitted if isinstance(m, ToolMessage)}
    assert calls == results, "no tool call is separated from its result"


def test_a_current_turn_over_budget_is_still_sent_whole() -> None:
    messages = _turn(1, 100) + _turn(2, 20_000)
    fitted = fit_history(messages, 1_000)
    assert fitted == _turn(2, 20_000)
