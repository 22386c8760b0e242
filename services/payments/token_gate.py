"""Where payment tokens are checked before the database records their use: the port, and no
check at all (the embedded default). The Redis gate is
:class:`services.payments.token_gate_redis.RedisPaymentTokenGate`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.uow import ShopUnitOfWork


class PaymentTokenGate(Protocol):
    """Where payment tokens are checked before the database records their use."""

    async def remember(
        self, token_hash: str, order_id: str, user_id: str, expires_at: datetime
    ) -> None:
        """A token was issued (and committed) for this order and user."""
        ...

    async def take(self, uow: ShopUnitOfWork, token_hash: str, order_id: str, user_id: str) -> None:
        """Use the token within ``uow``'s transaction, or raise when it is decidedly unusable."""
        ...


class NoPaymentTokenGate:
    """The embedded default: the database's conditional update alone."""

    async def remember(
        self, token_hash: str, order_id: str, user_id: str, expires_at: datetime
    ) -> None:
        """Nothing to remember."""

    async def take(self, uow: ShopUnitOfWork, token_hash: str, order_id: str, user_id: str) -> None:
        """Let the database decide."""
