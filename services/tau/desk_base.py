"""What the τ support desk shares: the session (which customer it serves), id translation, and
the Actor it hands to our services.

The desk is staff acting on behalf of one customer. Every service call runs as that customer
(``Actor(customer, "customer")``), so the shop's own rules decide — ownership (another
customer's order is a 404), statuses, payment methods, refunds — exactly as when the customer
acts in the app.

A strict session (the support agent) serves only the customer it authenticated by email or by
name and zip. A lenient session (``tau replay``, whose gold actions often skip the lookup) acts
for the owner of the record named in each call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.errors import NotFound
from services.orders.errors import OrderNotFound
from services.tau.errors import CustomerNotAuthenticated, OneCustomerPerConversation
from services.tau.ids import TauIds
from services.users.errors import PaymentMethodNotFound, UserNotFound


@dataclass
class DeskSession:
    """The customer a conversation serves (our user id), once authenticated."""

    strict: bool = True
    customer_id: str | None = None


class DeskBase:
    """Staff at the τ desk: services, τ ids and the session."""

    def __init__(
        self, services: Container, ids: TauIds, staff: Actor, session: DeskSession
    ) -> None:
        staff.require_staff()
        self._services = services
        self._ids = ids
        self._staff = staff
        self.session = session

    def _authenticate(self, user_id: str) -> str:
        """Bind the session to this customer; returns their τ id."""
        current = self.session.customer_id
        if self.session.strict and current is not None and current != user_id:
            raise OneCustomerPerConversation(
                "This conversation already serves another customer; only one customer can be "
                "helped per conversation."
            )
        self.session.customer_id = user_id
        tau_id = self._ids.users.tau_id(user_id)
        if tau_id is None:
            raise UserNotFound("User not found")
        return tau_id

    def _acting_for(self, owner_id: str) -> Actor:
        """The customer to act as for a record owned by ``owner_id``: in a strict session the
        authenticated customer (our services then refuse others' records as not found), in a
        lenient one the owner."""
        if not self.session.strict:
            return Actor(owner_id, "customer")
        if self.session.customer_id is None:
            raise CustomerNotAuthenticated(
                "Authenticate the customer first: find their user id by email, or by first "
                "name, last name and zip code."
            )
        return Actor(self.session.customer_id, "customer")

    def _order(self, order_id: str) -> tuple[str, Actor]:
        """Our order id for a τ order id, and who to act as."""
        own = self._ids.orders.our_id(order_id, OrderNotFound)
        return own, self._acting_for(self._ids.order_owner[own])

    def _user(self, user_id: str) -> tuple[str, Actor]:
        """Our user id for a τ user id, and who to act as (NotFound for another customer)."""
        own = self._ids.users.our_id(user_id, UserNotFound)
        actor = self._acting_for(own)
        if actor.user_id != own:
            raise UserNotFound("User not found", details={"user_id": user_id})
        return own, actor

    def _method(self, actor: Actor, payment_method_id: str) -> str:
        """Our id of one of the customer's τ payment methods."""
        own = self._ids.method_id(actor.user_id, payment_method_id)
        if own is None:
            raise PaymentMethodNotFound(
                "Payment method not found", details={"payment_method_id": payment_method_id}
            )
        return own

    def _variant(self, item_id: str) -> str:
        """Our variant id for a τ item id."""
        return self._ids.variants.our_id(item_id, _ItemNotFound)

    @staticmethod
    def _counts(item_ids: Sequence[str]) -> Counter[str]:
        """How many units of each item a request names (τ repeats an id per unit)."""
        return Counter(item_ids)


class _ItemNotFound(NotFound):
    code = "item_not_found"
