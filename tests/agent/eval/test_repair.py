"""The local model's client: its own system prompt, and tool-call normalisation and repair."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import SecretStr

from agent.chat import ChatService
from agent.local_chat import LocalChatOpenAI
from agent.models import warmup_request
from agent.prompts import LOCAL_SYSTEM_PROMPT, SYSTEM_PROMPT
from agent.repair import CallRepair
from agent.scripted import ScriptedChatModel
from services.bootstrap import Container
from tests.agent.conftest import Shop
from tools.registry import TOOLS

PRODUCT = '<shop_data>{"variants":[{"id":"var_real1","options":{"size":"M"}}]}</shop_data>'


class Recorder:
    """A script that answers from a list and keeps every conversation it was shown."""

    def __init__(self, *replies: AIMessage) -> None:
        self.replies = list(replies)
        self.seen: list[list[BaseMessage]] = []

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        self.seen.append(list(messages))
        return self.replies[len(self.seen) - 1]


def _call(name: str, **args: object) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "c1"}])


def _conversation(text: str) -> list[BaseMessage]:
    return [
        SystemMessage(SYSTEM_PROMPT),
        HumanMessage("show me the t-shirt"),
        _call("get_product", product_id="prd_1"),
        ToolMessage(PRODUCT, tool_call_id="c1", name="get_product"),
        HumanMessage(text),
    ]


async def test_a_budget_slip_is_normalised_without_asking_the_model_again() -> None:
    script = Recorder(_call("search_products", query="running shoes", min_price=100))
    model = CallRepair(ScriptedChatModel(script=script))
    reply = await model.ainvoke([HumanMessage("running shoes under 100 dollars")])
    assert reply.tool_calls[0]["args"] == {"query": "running shoes", "max_price": 100}
    assert len(script.seen) == 1


async def test_an_invented_id_is_sent_back_once_and_the_corrected_call_is_used() -> None:
    script = Recorder(
        _call("add_to_cart", variant_id="var_made_up"), _call("add_to_cart", variant_id="var_real1")
    )
    model = CallRepair(ScriptedChatModel(script=script))
    reply = await model.ainvoke(_conversation("add that one"))
    assert reply.tool_calls[0]["args"] == {"variant_id": "var_real1"}
    retry = script.seen[1]
    assert len(retry) == len(script.seen[0]) + 2
    feedback = retry[-1]
    assert isinstance(feedback, ToolMessage)
    assert "var_made_up" in str(feedback.content)
    assert "does not appear in this conversation" in str(feedback.content)


async def test_an_invented_id_for_a_described_variant_is_put_right_without_asking() -> None:
    script = Recorder(_call("add_to_cart", variant_id="var_made_up"))
    reply = await CallRepair(ScriptedChatModel(script=script)).ainvoke(
        _conversation("add the M one")
    )
    assert reply.tool_calls[0]["args"] == {"variant_id": "var_real1"}
    assert len(script.seen) == 1


async def test_the_second_reply_is_used_even_if_still_wrong_and_there_is_no_third() -> None:
    wrong = _call("add_to_cart", variant_id="var_nope")
    script = Recorder(wrong, _call("add_to_cart", variant_id="var_still_nope"))
    reply = await CallRepair(ScriptedChatModel(script=script)).ainvoke(_conversation("add it"))
    assert reply.tool_calls[0]["args"] == {"variant_id": "var_still_nope"}
    assert len(script.seen) == 2


async def test_a_text_reply_passes_through_untouched() -> None:
    script = Recorder(AIMessage("Hello! How can I help?"))
    reply = await CallRepair(ScriptedChatModel(script=script)).ainvoke([HumanMessage("hi")])
    assert reply.content == "Hello! How can I help?"


def test_the_local_client_swaps_in_its_own_system_prompt_only_for_the_agents() -> None:
    client = LocalChatOpenAI(base_url="http://127.0.0.1:9/v1", api_key=SecretStr("x"), model="m")
    agent_payload = client._get_request_payload([SystemMessage(SYSTEM_PROMPT), HumanMessage("hi")])
    assert agent_payload["messages"][0] == {"role": "system", "content": LOCAL_SYSTEM_PROMPT}
    other = client._get_request_payload([SystemMessage("Be terse."), HumanMessage("hi")])
    assert other["messages"][0]["content"] == "Be terse."


def test_the_local_client_binds_tools_with_repair_unless_it_is_turned_off() -> None:
    options = {"base_url": "http://127.0.0.1:9/v1", "api_key": SecretStr("x"), "model": "m"}
    assert isinstance(LocalChatOpenAI(**options).bind_tools(TOOLS), CallRepair)
    plain = LocalChatOpenAI(**options, repair_calls=False).bind_tools(TOOLS)
    assert not isinstance(plain, CallRepair)


def test_the_prompt_prefix_is_byte_identical_across_requests_and_matches_the_warm_up() -> None:
    client = LocalChatOpenAI(base_url="http://127.0.0.1:9/v1", api_key=SecretStr("x"), model="m")
    bound = client.bind_tools(TOOLS)
    assert isinstance(bound, CallRepair)
    tools = bound.model.kwargs["tools"]  # type: ignore[attr-defined]
    first = client._get_request_payload([SystemMessage(SYSTEM_PROMPT), HumanMessage("a")])
    second = client._get_request_payload([SystemMessage(SYSTEM_PROMPT), HumanMessage("b")])
    warm = warmup_request()
    assert first["messages"][0] == second["messages"][0] == warm["messages"][0]
    assert tools == warm["tools"]


class RepairingScripted(ScriptedChatModel):
    """A scripted model bound the way the local client binds: with call repair."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return CallRepair(super().bind_tools(tools, **kwargs))


async def test_the_chat_streams_the_repaired_calls_and_the_final_reply(
    container: Container, shop: Shop
) -> None:
    script = Recorder(
        _call("add_to_cart", variant_id="var_invented"),
        _call("add_to_cart", variant_id=shop.small),
        AIMessage("Added the boots in S to your cart."),
    )
    # The shopper names the real variant, so the retry can use it.
    text = f"add {shop.small} to my cart"
    async with ChatService.open(container, model=RepairingScripted(script=script)) as chat:
        run = await chat.start_message(shop.alice, text, None)
        events = [event async for event in run.events()]
    calls = [event.data for event in events if event.event == "tool_call"]
    assert [call["args"] for call in calls] == [{"variant_id": shop.small}]
    tokens = "".join(event.data["text"] for event in events if event.event == "token")
    assert tokens == "Added the boots in S to your cart."
    assert events[-1].data["reply"] == tokens
    cart = await container.carts.view(shop.alice)
    assert [line.variant_id for line in cart.lines] == [shop.small]


class _KwargsRecorder(Recorder):
    """A tool-bound model stand-in that also keeps the keyword arguments of each request."""

    def __init__(self, *replies: AIMessage) -> None:
        super().__init__(*replies)
        self.kwargs: list[dict[str, Any]] = []

    async def ainvoke(self, messages: Any, config: Any = None, **kwargs: Any) -> AIMessage:
        self.kwargs.append(kwargs)
        return self.respond(messages)


async def test_a_reply_that_describes_a_call_is_asked_again_with_a_call_required() -> None:
    described = AIMessage("To remove it, call remove_from_cart with the variant id var_real1.")
    model = _KwargsRecorder(described, _call("remove_from_cart", variant_id="var_real1"))
    reply = await CallRepair(model).ainvoke(_conversation("remove that one"))  # type: ignore[arg-type]
    assert reply.tool_calls[0]["args"] == {"variant_id": "var_real1"}
    assert model.kwargs == [{}, {"tool_choice": "required"}]


async def test_a_plain_answer_is_not_asked_again() -> None:
    model = _KwargsRecorder(AIMessage("The shirt comes in red and blue."))
    reply = await CallRepair(model).ainvoke(_conversation("which colours?"))  # type: ignore[arg-type]
    assert reply.content == "The shirt comes in red and blue."
    assert model.kwargs == [{}]
