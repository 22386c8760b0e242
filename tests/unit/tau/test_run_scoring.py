"""tau run's scoring and the support desk's reading of a customer's answer."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agent.schemas import PendingConfirmation
from agent.support import confirmation_text, is_yes
from agent.tau_run import RunReport, Trial
from agent.tau_user import LLMCustomer, ended
from services.tau.tasks import TauTask


def _report(rewards: dict[str, list[float]]) -> RunReport:
    return RunReport(
        [
            Trial(task, n, reward)
            for task, values in rewards.items()
            for n, reward in enumerate(values)
        ]
    )


def test_pass_hat_k_is_the_chance_that_k_trials_all_succeed() -> None:
    report = _report({"a": [1, 1, 0, 1], "b": [0, 0, 0, 0], "c": [1, 1, 1, 1]})
    assert report.pass_hat(1) == pytest.approx((3 / 4 + 0 + 1) / 3)
    assert report.pass_hat(2) == pytest.approx((3 / 6 + 0 + 1) / 3)
    assert report.pass_hat(4) == pytest.approx((0 + 0 + 1) / 3)


@pytest.mark.parametrize(
    ("answer", "approved"),
    [
        ("Yes, please proceed.", True),
        ("yes", True),
        ("Sure, go ahead", True),
        ("No, I changed my mind.", False),
        ("Wait, not that order", False),
        ("Which card will it use?", False),
        ("", False),
    ],
)
def test_a_confirmation_is_approved_only_by_a_clear_yes(answer: str, approved: bool) -> None:
    assert is_yes(answer) is approved


def test_the_confirmation_shows_the_action_and_its_details() -> None:
    pending = PendingConfirmation(
        id="cf_1",
        tool="cancel_pending_order",
        args={},
        summary={"action": "Cancel the order", "order_id": "#W1", "items": ["Mug", "Cup"]},
    )
    text = confirmation_text(pending)
    assert text.splitlines()[0] == "Please confirm: Cancel the order."
    assert "- order id: #W1" in text
    assert "- items: Mug; Cup" in text
    assert text.endswith("yes or no.")


def test_the_customer_ends_with_a_stop_token() -> None:
    assert ended("Thanks! ###STOP###")
    assert ended("###TRANSFER###")
    assert not ended("thanks")


async def test_a_customer_model_that_ends_before_speaking_is_asked_again() -> None:
    task = TauTask("1", (), {"instructions": {"reason_for_call": "cancel my order"}})
    model = FakeListChatModel(responses=["###STOP###", "I want to cancel an order."])
    assert await LLMCustomer(model, task).start() == "I want to cancel an order."
