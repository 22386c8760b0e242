"""Prose-vs-call decision from first-token probabilities, and the prose-start mask."""

from __future__ import annotations

import numpy as np

from agent.llm.constraint import ReplyConstraint, TokenClasses, choose_mode

PIECES = ['{"', "{\n", "```", "<tool_call>", "I", " To", "Hello", "", " ", "[", "<|im_end|>"]


def test_pieces_are_classified_by_their_first_visible_character() -> None:
    classes = TokenClasses.from_pieces(PIECES)
    opens_call = [p for p, flag in zip(PIECES, classes.opens_call, strict=True) if flag]
    opens_text = [p for p, flag in zip(PIECES, classes.opens_text, strict=True) if flag]
    assert opens_call == ['{"', "{\n", "```", "<tool_call>", "[", "<|im_end|>"]
    assert opens_text == ["I", " To", "Hello"]


def test_a_call_intention_spread_over_many_tokens_beats_one_prose_token() -> None:
    classes = TokenClasses.from_pieces(PIECES)
    # Greedy would pick " To" (the single most likely token), yet calls carry more mass.
    logits = np.log(np.array([0.25, 0.1, 0.2, 0.05, 0.05, 0.3, 0.05, 1e-9, 1e-9, 1e-9, 1e-9]))
    assert choose_mode(logits.astype(np.single), classes) == "calls"


def test_a_clear_prose_answer_stays_prose() -> None:
    classes = TokenClasses.from_pieces(PIECES)
    logits = np.log(np.array([0.1, 0.02, 0.03, 0.01, 0.6, 0.1, 0.14, 1e-9, 1e-9, 1e-9, 1e-9]))
    assert choose_mode(logits.astype(np.single), classes) == "text"


def test_text_mode_masks_call_openers_and_invisible_tokens_only_at_the_first_step() -> None:
    classes = TokenClasses.from_pieces(PIECES)
    constraint = ReplyConstraint(None, classes, "text", prompt_length=3)
    logits = np.zeros(len(PIECES), dtype=np.single)
    first = constraint(np.array([1, 2, 3], dtype=np.intc), logits)
    assert [PIECES[i] for i in np.flatnonzero(np.isfinite(first))] == ["I", " To", "Hello"]
    later = constraint(np.array([1, 2, 3, 4], dtype=np.intc), logits)
    assert np.isfinite(later).all()
