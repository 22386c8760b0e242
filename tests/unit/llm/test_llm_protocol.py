"""Request validation of the OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agent.llm.protocol import ChatCompletionRequest, InvalidRequest, forced_tool, validate_request

TOOL = {
    "type": "function",
    "function": {"name": "search_products", "parameters": {"type": "object"}},
}
USER = {"role": "user", "content": "hi"}


def _request(**fields: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"messages": [USER], **fields})


def test_langchain_style_assistant_message_with_null_content_is_accepted() -> None:
    request = _request(
        messages=[
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "search_products", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "[]"},
        ],
        tools=[TOOL],
    )
    validate_request(request)
    assert request.messages[1].text() == ""


def test_named_tool_choice_must_name_an_offered_tool() -> None:
    request = _request(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "nope"}})
    with pytest.raises(InvalidRequest, match="nope"):
        validate_request(request)


def test_named_tool_choice_is_reported_as_forced() -> None:
    request = _request(
        tools=[TOOL], tool_choice={"type": "function", "function": {"name": "search_products"}}
    )
    validate_request(request)
    assert forced_tool(request) == "search_products"


def test_required_tool_choice_needs_tools() -> None:
    with pytest.raises(InvalidRequest, match="needs tools"):
        validate_request(_request(tool_choice="required"))


def test_more_than_one_choice_is_refused() -> None:
    with pytest.raises(InvalidRequest) as info:
        validate_request(_request(n=2))
    assert info.value.to_body()["error"]["param"] == "n"


def test_malformed_call_arguments_are_refused() -> None:
    bad = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "function": {"name": "search_products", "arguments": "{oops"}}],
    }
    with pytest.raises(InvalidRequest, match="not JSON"):
        validate_request(_request(messages=[USER, bad], tools=[TOOL]))


def test_empty_messages_and_unknown_roles_fail_schema_validation() -> None:
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate({"messages": []})
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate({"messages": [{"role": "robot", "content": "x"}]})


def test_max_completion_tokens_wins_and_stop_becomes_a_list() -> None:
    request = _request(max_tokens=10, max_completion_tokens=20, stop="END")
    assert request.token_limit() == 20
    assert request.stop_list() == ["END"]


def test_unknown_fields_are_ignored() -> None:
    assert _request(logit_bias={"1": 2}, user="u1").messages[0].text() == "hi"
