"""Every train task's gold actions, replayed through our τ tools, end in τ's expected state —
except the tasks listed here, where our shop's rules deliberately differ."""

from __future__ import annotations

import asyncio

import pytest

from agent.tau_replay import TaskReplay, replay_tasks
from config.settings import Settings
from services.tau.known_differences import KNOWN_DIFFERENCES
from services.tau.tasks import load_expected, load_tasks
from services.tau.template import TauTemplate
from tests.tau.conftest import EXPECTED, TASKS

# task id -> why our end state differs from τ's reference tools
DELIBERATE = {
    "20": "τ's modify_pending_order_items gives every swapped item the last new item's "
    "options and price; ours gives each its own (payments agree)",
    "21": "same quirk of τ's modify_pending_order_items",
    "37": "same quirk of τ's modify_pending_order_items",
    "99": "an exchange refunding its price difference to a card that did not pay the order: "
    "our shop refunds only to the original method or a gift card",
}


@pytest.fixture(scope="module")
def replays(template: TauTemplate, base_settings: Settings) -> list[TaskReplay]:
    tasks = load_tasks(TASKS)
    return asyncio.run(replay_tasks(tasks, template, base_settings, load_expected(EXPECTED)))


def test_all_74_train_tasks_are_replayed(replays: list[TaskReplay]) -> None:
    assert len(replays) == 74


def test_70_of_74_train_tasks_match_and_the_others_are_the_deliberate_ones(
    replays: list[TaskReplay],
) -> None:
    mismatched = {
        r.task_id: r.verdict.difference for r in replays if r.verdict and not r.verdict.match
    }
    assert set(mismatched) == set(DELIBERATE), mismatched
    assert sum(1 for r in replays if r.verdict and r.verdict.match) == 70
    assert set(KNOWN_DIFFERENCES) == set(DELIBERATE)
    for task_id, difference in mismatched.items():
        assert difference is not None
        assert difference.startswith(KNOWN_DIFFERENCES[task_id].where), (task_id, difference)


def test_the_same_gold_actions_fail_as_in_tau(replays: list[TaskReplay]) -> None:
    differing = {r.task_id for r in replays if r.errors_match is False}
    # τ lets task 99's exchanges refund to any card; ours refuses both (see DELIBERATE).
    assert differing == {"99"}


def test_money_matches_to_the_cent_where_tau_sums_unrounded_floats(
    replays: list[TaskReplay],
) -> None:
    by_id = {r.task_id: r for r in replays}
    # τ records 0.04999999999999716 and 71.96000000000001: both compare equal at the cent.
    assert by_id["3"].verdict is not None
    assert by_id["3"].verdict.match
    assert by_id["3"].changed["orders"]["#W4776164"]["payment_history"][-1]["amount"] == 0.05
    history = by_id["20"].changed["orders"]["#W9911714"]["payment_history"]
    assert history[-1] == {
        "transaction_type": "payment",
        "amount": 71.96,
        "payment_method_id": "gift_card_4332117",
    }
