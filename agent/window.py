"""Keeping a long conversation inside the model's context window.

A thread's checkpoint keeps every message, and tool results are long (a product page lists
every variant). Sent whole, a long chat outgrows the bundled model's context and the call
fails. Before each model call the prompt is fitted to a budget of characters:

1. the current turn (from the shopper's latest message on) is always sent whole;
2. while over budget, the oldest earlier tool results are replaced by a short note (the tool
   call and its id stay, so every call still has its result and the model can call again);
3. if still over budget, the oldest earlier turns are left out whole (a turn starts at a
   shopper message, so no tool call is separated from its result).

Nothing is removed from the checkpoint: only the prompt of one call is fitted.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

OMITTED = "[an earlier result, left out to save space: call the tool again if it is needed]"


def message_chars(message: BaseMessage) -> int:
    """A message's size: its text plus its tool calls' arguments."""
    content = message.content
    size = len(content) if isinstance(content, str) else len(str(content))
    for call in getattr(message, "tool_calls", None) or ():
        size += len(call["name"]) + len(str(call["args"]))
    return size


def _turn_starts(messages: Sequence[BaseMessage]) -> list[int]:
    return [i for i, message in enumerate(messages) if isinstance(message, HumanMessage)]


def current_turn(messages: Sequence[BaseMessage]) -> Sequence[BaseMessage]:
    """The messages after the shopper's latest one (all of them if there is none)."""
    starts = _turn_starts(messages)
    return messages[starts[-1] + 1 :] if starts else messages


def fit_history(messages: Sequence[BaseMessage], budget: int) -> list[BaseMessage]:
    """``messages`` fitted to ``budget`` characters as the module docstring describes."""
    fitted = list(messages)
    total = sum(message_chars(m) for m in fitted)
    starts = _turn_starts(fitted)
    current = starts[-1] if starts else 0
    if total <= budget or current == 0:
        return fitted
    for i in range(current):
        message = fitted[i]
        if total <= budget:
            return fitted
        if isinstance(message, ToolMessage) and message.content != OMITTED:
            total -= message_chars(message) - len(OMITTED)
            fitted[i] = message.model_copy(update={"content": OMITTED})
    first = 0
    for start in starts[1:]:
        if total <= budget:
            break
        total -= sum(message_chars(m) for m in fitted[first:start])
        first = start
    return fitted[first:]
