"""The model factory and the scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage

from agent.demo_script import DemoScript
from agent.models import ModelUnavailable, make_model
from agent.scripted import ReplayScript, ScriptedChatModel
from tests.conftest import make_settings


def test_scripted_defaults_to_the_demo_script(tmp_path: Path) -> None:
    model = make_model(make_settings(tmp_path), "scripted")
    assert isinstance(model, ScriptedChatModel)
    assert isinstance(model.script, DemoScript)


async def test_scripted_replays_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    steps = [{"call": [{"name": "view_cart", "args": {}}]}, {"say": "Empty cart."}]
    script.write_text(json.dumps(steps))
    model = make_model(make_settings(tmp_path, agent_script=script), "scripted")
    first = await model.ainvoke([HumanMessage("cart?")])
    assert first.tool_calls == [
        {"name": "view_cart", "args": {}, "id": "call_0_0", "type": "tool_call"}
    ]
    second = await model.ainvoke([HumanMessage("cart?"), first])
    assert second.content == "Empty cart."


def test_a_script_file_must_be_a_list_of_steps(tmp_path: Path) -> None:
    script = tmp_path / "bad.json"
    script.write_text('{"say": "hi"}')
    with pytest.raises(ValueError, match="list of step objects"):
        ReplayScript.from_file(script)


async def test_the_scripted_model_streams_words_then_tool_calls() -> None:
    step = {"say": "Let me look.", "call": [{"name": "view_cart", "args": {}}]}
    model = ScriptedChatModel(script=ReplayScript([step]))
    chunks = [chunk async for chunk in model.astream([HumanMessage("hi")])]
    assert [c.content for c in chunks[:2]] == ["Let ", "me "]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.content == "Let me look."
    assert merged.tool_calls[0]["name"] == "view_cart"


def test_openai_needs_a_key_or_an_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="DOMTOK_OPENAI_API_KEY"):
        make_model(make_settings(tmp_path), "openai")


def test_openai_uses_the_configured_endpoint_and_model(tmp_path: Path) -> None:
    from langchain_openai import ChatOpenAI

    settings = make_settings(
        tmp_path,
        openai_base_url="http://127.0.0.1:9/v1",
        openai_api_key="sk-test",
        openai_model="my-model",
    )
    model = make_model(settings, "openai")
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "my-model"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"


def test_local_start_up_failures_become_model_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.llm.launcher

    def fail(*_: object, **__: object) -> str:
        raise RuntimeError("model parts missing")

    monkeypatch.setattr(agent.llm.launcher, "ensure_local_server", fail)
    with pytest.raises(ModelUnavailable, match="model parts missing"):
        make_model(make_settings(tmp_path), "local")


def test_the_local_client_caps_reply_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.llm.launcher

    def serving(*_: object, **__: object) -> str:
        return "http://127.0.0.1:1/v1"

    monkeypatch.setattr(agent.llm.launcher, "ensure_local_server", serving)
    model = make_model(make_settings(tmp_path, llm_max_tokens=123), "local")
    assert getattr(model, "max_tokens", None) == 123
    # A slow first token (a long prompt on a busy machine) is waited for like the reply itself.
    assert getattr(model, "stream_chunk_timeout", None) == 600
