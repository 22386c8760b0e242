"""The real local model through our OpenAI-compatible server, driven by langchain-openai.

One test per problem stock llama-cpp-python 0.3.36 had with langchain-openai, plus streaming
and tool_choice. Slow: the server (started once per session through the launcher) loads a
1.1 GB model; each test costs a few seconds of CPU generation.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool, tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI

from agent.llm.assemble import MODEL_ID, ModelPartsMissing, find_parts
from agent.llm.launcher import local_server
from tests.conftest import make_settings
from tests.ports import free_port

pytestmark = pytest.mark.slow

SYSTEM = (
    "You are DomTok, a shopping assistant for an online store. Use the tools to look up "
    "products and carts; answer briefly and only with facts from tool results."
)


@tool
def search_products(query: str, max_price: float | None = None) -> str:
    """Search the catalog by keywords; max_price is the shopper's budget (a maximum)."""
    return json.dumps([{"sku": "ZQX-4471", "name": "Trailblazer X", "price": 87.35}])


@tool
def view_cart() -> str:
    """Show the items in the shopper's cart."""
    return "[]"


TOOLS = [search_products, view_cart]


def _skip_reason() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install -e '.[local]')"
    try:
        find_parts()
    except ModelPartsMissing as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def llm_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the whole session, started (or reused) through the launcher."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # A private port by default: a server reused from another test session would vanish when
    # that session ends. DOMTOK_TEST_LLM_PORT points the tests at a server you keep running.
    port = int(os.environ.get("DOMTOK_TEST_LLM_PORT", "0")) or free_port()
    settings = make_settings(tmp_path_factory.mktemp("llm"), llm_port=port)
    warmup: dict[str, Any] = {
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}],
        "tools": [_openai_tool(t) for t in TOOLS],
    }
    with local_server(settings, warmup=warmup) as url:
        yield url


def _openai_tool(t: BaseTool) -> dict[str, Any]:
    return convert_to_openai_tool(t)


@pytest.fixture
def chat(llm_base_url: str) -> ChatOpenAI:
    """A deterministic ChatOpenAI client pointed at the local server."""
    return ChatOpenAI(
        base_url=llm_base_url,
        api_key="local",
        model=MODEL_ID,
        temperature=0,
        max_retries=0,
        timeout=180,
    )


def test_bind_tools_with_default_arguments_yields_a_tool_call(chat: ChatOpenAI) -> None:
    reply = chat.bind_tools(TOOLS).invoke(
        [SystemMessage(SYSTEM), HumanMessage("find me running shoes under 100 dollars")]
    )
    assert reply.tool_calls, f"no tool call; content={reply.content!r}"
    call = reply.tool_calls[0]
    assert call["name"] == "search_products"
    assert "shoe" in call["args"]["query"].lower()
    assert call["args"].get("max_price") == 100


def test_a_text_answer_with_tools_bound_is_not_empty(chat: ChatOpenAI) -> None:
    reply = chat.bind_tools(TOOLS).invoke(
        [SystemMessage(SYSTEM), HumanMessage("hello, who are you?")]
    )
    assert not reply.tool_calls
    assert isinstance(reply.content, str)
    assert len(reply.content.strip()) > 5
    assert "functions." not in reply.content


def _conversation_with_tool_result() -> list[BaseMessage]:
    call = {"name": "search_products", "args": {"query": "trail shoes"}, "id": "call_abc123"}
    result = json.dumps([{"sku": "ZQX-4471", "name": "Trailblazer X", "price": 87.35}])
    return [
        SystemMessage(SYSTEM),
        HumanMessage("Do you have trail shoes? Tell me the name and price."),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content=result, tool_call_id="call_abc123"),
    ]


def test_tool_results_reach_the_prompt(chat: ChatOpenAI) -> None:
    reply = chat.bind_tools(TOOLS).invoke(_conversation_with_tool_result())
    assert not reply.tool_calls, f"called a tool again: {reply.tool_calls}"
    assert isinstance(reply.content, str)
    assert "87.35" in reply.content or "Trailblazer" in reply.content, reply.content


def test_null_content_assistant_messages_are_accepted_in_a_two_step_loop(
    chat: ChatOpenAI, llm_base_url: str
) -> None:
    bound = chat.bind_tools(TOOLS)
    history: list[BaseMessage] = [
        SystemMessage(SYSTEM),
        HumanMessage("find me running shoes under 100 dollars"),
    ]
    first = bound.invoke(history)
    assert first.tool_calls
    history.append(first)
    for call in first.tool_calls:
        output = search_products.invoke(call["args"])
        history.append(ToolMessage(content=output, tool_call_id=call["id"]))
    second = bound.invoke(history)
    assert isinstance(second.content, str)
    assert second.content.strip() or second.tool_calls

    raw = {
        "model": MODEL_ID,
        "messages": [
            {"role": "user", "content": "find shoes"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "search_products", "arguments": '{"query": "shoes"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "[]"},
        ],
        "max_tokens": 8,
    }
    assert httpx.post(f"{llm_base_url}/chat/completions", json=raw, timeout=180).status_code == 200


def test_streaming_delivers_tool_call_deltas_and_text_chunks(chat: ChatOpenAI) -> None:
    bound = chat.bind_tools(TOOLS)
    merged: AIMessageChunk | None = None
    for piece in bound.stream([SystemMessage(SYSTEM), HumanMessage("what is in my cart?")]):
        assert isinstance(piece, AIMessageChunk)
        merged = piece if merged is None else merged + piece
    assert merged is not None
    assert [c["name"] for c in merged.tool_calls] == ["view_cart"]

    pieces = [p.content for p in chat.stream([HumanMessage("Name three colours, one per line.")])]
    assert len([p for p in pieces if p]) > 1
    assert "".join(str(p) for p in pieces).strip()


def test_raw_stream_is_openai_sse_ending_with_done(llm_base_url: str) -> None:
    body = {
        "messages": [{"role": "user", "content": "Say hi."}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 12,
    }
    with httpx.stream(
        "POST", f"{llm_base_url}/chat/completions", json=body, timeout=180
    ) as response:
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] in ("stop", "length")


def test_named_and_required_tool_choice_force_a_call(chat: ChatOpenAI) -> None:
    named = chat.bind_tools(TOOLS, tool_choice="view_cart").invoke([HumanMessage("hello there")])
    assert [c["name"] for c in named.tool_calls] == ["view_cart"]
    required = chat.bind_tools(TOOLS, tool_choice="any").invoke([HumanMessage("hello there")])
    assert required.tool_calls


def test_tool_choice_none_answers_in_text(chat: ChatOpenAI) -> None:
    reply = chat.bind_tools(TOOLS, tool_choice="none").invoke(
        [SystemMessage(SYSTEM), HumanMessage("find me running shoes under 100 dollars")]
    )
    assert not reply.tool_calls
    assert isinstance(reply.content, str)
    assert reply.content.strip()


def test_health_and_models_describe_the_local_model(llm_base_url: str) -> None:
    root = llm_base_url.removesuffix("/v1")
    assert httpx.get(f"{root}/health", timeout=10).json()["status"] == "ok"
    models = httpx.get(f"{llm_base_url}/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == [MODEL_ID]


def test_invalid_requests_get_openai_style_400s(llm_base_url: str) -> None:
    bad = {"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}
    response = httpx.post(f"{llm_base_url}/chat/completions", json=bad, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
