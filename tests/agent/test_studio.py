"""The graph ``langgraph.json`` exposes to the LangGraph CLI / Studio runs from JSON context."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import agent.studio as studio
from agent.graph import turn_input
from services.bootstrap import Container
from services.kernel.errors import NotFound
from tests.agent.conftest import Shop

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(container: Container) -> Iterator[None]:
    """Studio's process-wide services are the test's container."""
    studio._shared.clear()
    studio._shared["container"] = container
    yield
    studio._shared.clear()


def test_langgraph_json_names_a_compiled_graph() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, name = config["graphs"]["domtok"].split(":")
    module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
    graph = getattr(module, name)
    assert set(graph.get_graph().nodes) >= {"agent", "act"}
    schema = graph.get_context_jsonschema()
    assert set(schema["properties"]) == {"user_email", "model_provider"}


async def test_a_studio_run_acts_for_the_user_named_in_its_context(
    shared: None, container: Container, shop: Shop
) -> None:
    await container.carts.add_item(shop.alice, shop.large, 3)
    context = {"user_email": shop.alice_email, "model_provider": "scripted"}
    state = await studio.graph.ainvoke(turn_input("my cart"), context=context)  # type: ignore[arg-type]
    cart = state["messages"][-2].artifact
    assert cart["lines"][0]["variant_id"] == shop.large
    assert cart["lines"][0]["quantity"] == 3


async def test_a_studio_run_for_an_unknown_user_is_refused(shared: None, shop: Shop) -> None:
    context = {"user_email": "ghost@example.com", "model_provider": "scripted"}
    with pytest.raises(NotFound):
        await studio.graph.ainvoke(turn_input("my cart"), context=context)  # type: ignore[arg-type]
