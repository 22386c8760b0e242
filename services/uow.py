"""The shop's unit of work: one transaction with every context's repository attached."""

from __future__ import annotations

from services.kernel.uow import SqlUnitOfWork


class ShopUnitOfWork(SqlUnitOfWork):
    """Repositories of all bounded contexts over one session.

    Cross-context work (placing an order reserves stock and empties the cart) happens in one
    transaction, but each context still reaches the others' data only through their
    repositories and services.
    """

    def _open_repositories(self) -> None:
        session = self.session
        del session
