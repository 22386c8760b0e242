"""Refusals of the τ support desk that are not already a shop rule of another context."""

from __future__ import annotations

from services.kernel.errors import BadRequest, Forbidden, Unauthorized


class CustomerNotAuthenticated(Unauthorized):
    """The desk acts for a customer only after finding them by email or name and zip."""

    code = "customer_not_authenticated"


class OneCustomerPerConversation(Forbidden):
    """A conversation serves the customer it authenticated, nobody else."""

    code = "one_customer_per_conversation"


class InvalidCancelReason(BadRequest):
    """τ accepts two cancellation reasons only."""

    code = "invalid_cancel_reason"


class ItemCountMismatch(BadRequest):
    """Old and new item lists of a swap differ in length."""

    code = "item_count_mismatch"


class UnsupportedItemSplit(BadRequest):
    """Our orders swap or exchange every unit of an item the same way (see the desk)."""

    code = "unsupported_item_split"


class InvalidExpression(BadRequest):
    """``calculate`` takes numbers, + - * / and parentheses only."""

    code = "invalid_expression"
