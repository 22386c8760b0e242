"""Failures of the orders context."""

from __future__ import annotations

from services.kernel.errors import BadRequest, Conflict, NotFound, RateLimited


class OrderNotFound(NotFound):
    code = "order_not_found"


class ReturnNotFound(NotFound):
    code = "return_not_found"


class InvalidOrderTransition(Conflict):
    """The order's status does not allow the requested action."""

    code = "invalid_transition"


class ItemsAlreadyModified(InvalidOrderTransition):
    """Under the single-item-change policy the order's items were already swapped once."""

    code = "items_already_modified"


class OrderExpired(Conflict):
    code = "order_expired"


class EmptyOrder(BadRequest):
    code = "empty_order"


class ItemNotInOrder(BadRequest):
    code = "item_not_in_order"


class InvalidExchange(BadRequest):
    code = "invalid_exchange"


class MixedCurrencies(BadRequest):
    code = "mixed_currencies"


class NothingToChange(BadRequest):
    code = "nothing_to_change"


class RefundMethodNotAllowed(BadRequest):
    code = "refund_method_not_allowed"


class TooManyRefundRequests(RateLimited):
    code = "too_many_refund_requests"


class TooManyUnpaidOrders(Conflict):
    """The buyer already holds the most unpaid orders allowed."""

    code = "too_many_unpaid_orders"


class UnpaidUnitsLimit(Conflict):
    """The order would take the buyer's unpaid units of a variant over the limit."""

    code = "unpaid_units_limit"
