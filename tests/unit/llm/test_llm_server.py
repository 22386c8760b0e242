"""HTTP layer of the local LLM server with a scripted engine standing in for llama.cpp."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.llm.chat import ChatService
from agent.llm.constraint import ReplyShape
from agent.llm.engine import GenerationResult, SamplingParams
from agent.llm.prompt import Segment, render_text
from agent.llm.server import create_app

TOOL = {
    "type": "function",
    "function": {
        "name": "search_products",
        "description": "Search the catalog.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}
CALL_TEXT = (
    '<tool_call>\n{"name": "search_products", "arguments": {"query": "shoes"}}\n</tool_call>'
)


class ScriptedEngine:
    """Replies with the next scripted text, in 5-character deltas, and records prompts."""

    n_ctx = 4096
    load_seconds = 0.0

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.prompts: list[str] = []
        self.shapes: list[ReplyShape | None] = []

    def tokenize(self, segments: list[Segment]) -> list[int]:
        self.prompts.append(render_text(segments))
        return list(range(len(render_text(segments)) // 4 + 1))

    def generate(
        self,
        tokens: list[int],
        params: SamplingParams,
        shape: ReplyShape | None = None,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        self.shapes.append(shape)
        text = self.replies.pop(0)
        for i in range(0, len(text), 5):
            if on_text:
                on_text(text[i : i + 5])
        return GenerationResult(
            text=text, prompt_tokens=len(tokens), completion_tokens=len(text) // 5 + 1
        )


@pytest.fixture
def engine() -> ScriptedEngine:
    """The warm-up consumes the first reply."""
    return ScriptedEngine(["warm"])


@pytest.fixture
def client(engine: ScriptedEngine) -> Iterator[TestClient]:
    """A test client whose app has finished loading."""
    app = create_app(lambda: ChatService(engine, "test-model"))  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        deadline = time.monotonic() + 10
        while test_client.get("/health").status_code != 200:
            assert time.monotonic() < deadline, "server never became ready"
            time.sleep(0.01)
        yield test_client


def _post(client: TestClient, **body: Any) -> Any:
    body.setdefault("messages", [{"role": "user", "content": "find shoes"}])
    return client.post("/v1/chat/completions", json=body)


def test_health_reports_ok_with_the_server_name(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["server"] == "domtok-llm"


def test_a_tool_call_reply_becomes_openai_tool_calls(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append(CALL_TEXT)
    body = _post(client, tools=[TOOL]).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    call = choice["message"]["tool_calls"][0]
    assert call["function"] == {"name": "search_products", "arguments": '{"query": "shoes"}'}
    assert body["usage"]["total_tokens"] == (
        body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    shape = engine.shapes[-1]
    assert shape is not None
    assert shape.mode == "auto"
    assert shape.grammar is not None
    assert '"\\"search_products\\", \\"arguments\\": "' in shape.grammar


def test_tools_are_offered_without_tool_choice(client: TestClient, engine: ScriptedEngine) -> None:
    engine.replies.append("Sure.")
    _post(client, tools=[TOOL])
    assert '"description": "Search the catalog."' in engine.prompts[-1]


def test_null_content_and_tool_results_are_rendered(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append("It costs $42.")
    messages = [
        {"role": "user", "content": "find shoes"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "search_products", "arguments": '{"query":"shoes"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "PRICE-MARKER-42"},
    ]
    response = _post(client, messages=messages, tools=[TOOL])
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "It costs $42."
    assert "<tool_response>\nPRICE-MARKER-42\n</tool_response>" in engine.prompts[-1]
    assert "respond to my request: find shoes<|im_end|>" in engine.prompts[-1]


def test_streaming_sends_text_deltas_then_finish_then_usage_then_done(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append("Hello there, shopper!")
    response = _post(client, stream=True, stream_options={"include_usage": True})
    lines = [line for line in response.text.splitlines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Hello there, shopper!"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_streaming_tool_calls_arrive_as_indexed_deltas(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append(CALL_TEXT + "\n" + CALL_TEXT)
    response = _post(client, tools=[TOOL], stream=True)
    chunks = [
        json.loads(line.removeprefix("data: "))
        for line in response.text.splitlines()
        if line.startswith("data: {")
    ]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    calls = [d["tool_calls"][0] for d in deltas if "tool_calls" in d]
    assert [c["index"] for c in calls] == [0, 1]
    assert all(c["id"].startswith("call_") for c in calls)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_named_tool_choice_for_an_unknown_tool_is_a_400(client: TestClient) -> None:
    choice = {"type": "function", "function": {"name": "missing"}}
    response = _post(client, tools=[TOOL], tool_choice=choice)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "tool_choice"


def test_a_malformed_body_is_a_400_in_openai_shape(client: TestClient) -> None:
    response = client.post("/v1/chat/completions", json={"messages": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_models_lists_the_one_model(client: TestClient) -> None:
    assert client.get("/v1/models").json()["data"][0]["object"] == "model"


def test_health_is_503_while_loading() -> None:
    release = threading.Event()

    def slow_load() -> ChatService:
        release.wait(10)
        return ChatService(ScriptedEngine(["warm"]), "m")  # type: ignore[arg-type]

    with TestClient(create_app(slow_load)) as test_client:
        response = test_client.get("/health")
        release.set()
    assert response.status_code == 503
    assert response.json()["status"] == "loading"


def test_tool_choice_none_keeps_the_tools_in_the_prompt_but_allows_only_text(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append("Sure.")
    _post(client, tools=[TOOL], tool_choice="none")
    assert "search_products" in engine.prompts[-1]
    assert engine.shapes[-1] == ReplyShape("text")


def test_a_named_tool_choice_forces_calls_of_that_tool(
    client: TestClient, engine: ScriptedEngine
) -> None:
    engine.replies.append(CALL_TEXT)
    choice = {"type": "function", "function": {"name": "search_products"}}
    body = _post(client, tools=[TOOL], tool_choice=choice).json()
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    shape = engine.shapes[-1]
    assert shape is not None
    assert shape.mode == "calls"


def test_no_tools_means_free_text(client: TestClient, engine: ScriptedEngine) -> None:
    engine.replies.append("Hi!")
    assert _post(client).json()["choices"][0]["message"]["content"] == "Hi!"
    assert engine.shapes[-1] is None
