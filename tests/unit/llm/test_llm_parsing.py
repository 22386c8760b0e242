"""Reply parsing: prose vs <tool_call> blocks, incremental streaming, ids, truncation."""

from __future__ import annotations

import json

from agent.llm.parsing import ReplyParser, parse_reply

CALL = (
    '<tool_call>\n{"name": "search_products", '
    '"arguments": {"query": "running shoes", "max_price": 100}}\n</tool_call>'
)


def test_a_single_call_becomes_an_openai_tool_call_with_an_id() -> None:
    content, calls = parse_reply(CALL, calls_allowed=True)
    assert content is None
    assert len(calls) == 1
    entry = calls[0].to_openai()
    assert entry["type"] == "function"
    assert str(entry["id"]).startswith("call_")
    function = entry["function"]
    assert isinstance(function, dict)
    assert function["name"] == "search_products"
    assert json.loads(function["arguments"]) == {"query": "running shoes", "max_price": 100}


def test_several_calls_get_distinct_ids() -> None:
    _, calls = parse_reply(CALL + "\n" + CALL, calls_allowed=True)
    assert len(calls) == 2
    assert calls[0].id != calls[1].id


def test_prose_is_content_without_calls() -> None:
    assert parse_reply("Hello! I am your shopping assistant.", calls_allowed=True) == (
        "Hello! I am your shopping assistant.",
        [],
    )


def test_tool_call_text_is_plain_content_when_calls_are_not_allowed() -> None:
    content, calls = parse_reply(CALL, calls_allowed=False)
    assert content == CALL
    assert calls == []


def test_streaming_emits_each_call_only_when_its_closing_tag_arrives() -> None:
    parser = ReplyParser(calls_allowed=True)
    completed = []
    for i in range(0, len(CALL), 7):
        text, calls = parser.feed(CALL[i : i + 7])
        assert text == ""
        completed += calls
        if i + 7 < len(CALL):
            assert completed == []
    assert len(completed) == 1
    assert parser.finish() == ("", [])


def test_streaming_prose_is_passed_through_delta_by_delta() -> None:
    parser = ReplyParser(calls_allowed=True)
    assert parser.feed("Hi") == ("Hi", [])
    assert parser.feed(" there") == (" there", [])
    assert parser.content == "Hi there"


def test_a_call_truncated_by_the_token_limit_is_returned_as_text() -> None:
    content, calls = parse_reply(CALL[:40], calls_allowed=True)
    assert calls == []
    assert content == CALL[:40]


def test_string_encoded_arguments_are_decoded() -> None:
    block = '<tool_call>\n{"name": "f", "arguments": "{\\"a\\": 1}"}\n</tool_call>'
    _, calls = parse_reply(block, calls_allowed=True)
    assert json.loads(calls[0].arguments) == {"a": 1}


def test_non_ascii_arguments_stay_readable() -> None:
    block = '<tool_call>\n{"name": "f", "arguments": {"query": "跑鞋"}}\n</tool_call>'
    _, calls = parse_reply(block, calls_allowed=True)
    assert calls[0].arguments == '{"query": "跑鞋"}'


def test_a_bare_json_call_is_a_tool_call_at_the_end_of_generation() -> None:
    parser = ReplyParser(calls_allowed=True)
    bare = '{"name": "view_cart", "arguments": {}}'
    assert parser.feed(bare) == ("", [])
    text, calls = parser.finish()
    assert text == ""
    assert [c.name for c in calls] == ["view_cart"]


def test_bare_json_is_text_when_calls_are_not_allowed() -> None:
    assert parse_reply('{"name": "x"}', calls_allowed=False) == ('{"name": "x"}', [])
