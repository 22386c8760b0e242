"""The support-desk agent: the shopping agent's graph and confirmation machinery over τ's tools,
acting only for the authenticated customer and only after their yes."""

from __future__ import annotations

from typing import Any

from agent.scripted import ReplayScript, ScriptedChatModel
from agent.support import SUPPORT_PROMPT, SupportContext, SupportConversation
from agent.tau_replay import DESK_STAFF
from agent.tau_run import SUPPORT_LIMITS
from tests.tau.conftest import Desk, orders_where


def _agent(tau: Desk, steps: list[dict[str, Any]]) -> SupportConversation:
    tau.strict()
    model = ScriptedChatModel(script=ReplayScript(steps))
    context = SupportContext(DESK_STAFF, tau.container, model, SUPPORT_LIMITS, tau.desk)
    return SupportConversation(context)


def _call(name: str, **args: Any) -> dict[str, Any]:
    return {"call": [{"name": name, "args": args}]}


def _pending(tau: Desk) -> tuple[dict[str, Any], str]:
    order = next(orders_where(tau.template, lambda o: o["status"] == "pending"))
    return order, tau.template.baseline["users"][order["user_id"]]["email"]


def test_the_prompt_carries_taus_policy() -> None:
    assert "# Retail agent policy" in SUPPORT_PROMPT
    assert "authenticate the user identity" in SUPPORT_PROMPT


async def test_the_agent_cannot_act_before_authenticating_the_customer(tau: Desk) -> None:
    order, _ = _pending(tau)
    cancel = _call("cancel_pending_order", order_id=order["order_id"], reason="no longer needed")
    conversation = _agent(tau, [cancel, {"say": "done"}])
    reply = await conversation.send("Cancel my order please")
    assert reply.confirmation is None
    assert reply.tools == ["cancel_pending_order"]
    last_tool = [m for m in await conversation.messages() if m.type == "tool"][-1]
    assert "customer_not_authenticated" in str(last_tool.content)
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}


async def test_a_write_waits_for_the_customers_yes_and_a_no_changes_nothing(tau: Desk) -> None:
    order, email = _pending(tau)
    cancel = _call("cancel_pending_order", order_id=order["order_id"], reason="no longer needed")
    steps = [
        _call("find_user_id_by_email", email=email),
        cancel,
        {"say": "I did not cancel it."},
        cancel,
        {"say": "Your order is cancelled."},
    ]
    conversation = _agent(tau, steps)
    reply = await conversation.send(f"I am {email}, cancel {order['order_id']}")
    assert reply.confirmation is not None
    assert reply.confirmation.tool == "cancel_pending_order"
    assert reply.confirmation.summary["order_id"] == order["order_id"]
    assert reply.confirmation.summary["reason"] == "no longer needed"
    declined = await conversation.answer(reply.confirmation, approve=False)
    assert declined.text == "I did not cancel it."
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}

    again = await conversation.send("Actually, yes, cancel it")
    assert again.confirmation is not None
    done = await conversation.answer(again.confirmation, approve=True)
    assert done.text == "Your order is cancelled."
    changed = await tau.changes()
    assert changed["orders"][order["order_id"]]["status"] == "cancelled"


async def test_another_customers_order_is_refused_before_anything_is_asked(tau: Desk) -> None:
    mine, email = _pending(tau)
    theirs = next(
        orders_where(
            tau.template, lambda o: o["status"] == "pending" and o["user_id"] != mine["user_id"]
        )
    )
    steps = [
        _call("find_user_id_by_email", email=email),
        _call("cancel_pending_order", order_id=theirs["order_id"], reason="ordered by mistake"),
        {"say": "I cannot find that order."},
    ]
    reply = await _agent(tau, steps).send(f"I am {email}; cancel {theirs['order_id']}")
    assert reply.confirmation is None
    assert reply.text == "I cannot find that order."
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}


async def test_a_message_instead_of_an_answer_declines_the_pending_write(tau: Desk) -> None:
    order, email = _pending(tau)
    steps = [
        _call("find_user_id_by_email", email=email),
        _call("cancel_pending_order", order_id=order["order_id"], reason="no longer needed"),
        {"say": "Sure, what would you like instead?"},
    ]
    conversation = _agent(tau, steps)
    reply = await conversation.send(f"I am {email}, cancel {order['order_id']}")
    assert reply.confirmation is not None
    instead = await conversation.send("Hold on, which card did I pay with?")
    assert instead.confirmation is None
    assert instead.text == "Sure, what would you like instead?"
    superseded = [m for m in await conversation.messages() if m.type == "tool"][-1]
    assert "superseded" in str(superseded.content)
    assert await tau.changes() == {"orders": {}, "users": {}, "products": {}}
