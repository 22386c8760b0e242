"""The shop's unit of work: one transaction with every context's repository attached."""

from __future__ import annotations

from services.approvals.repository import ApprovalRepository
from services.carts.repository import CartRepository
from services.catalog.repository import CatalogRepository
from services.catalog.stock import StockRepository
from services.coupons.repository import CouponRepository
from services.kernel.uow import SqlUnitOfWork
from services.orders.repository import OrderRepository
from services.payments.repository import PaymentRepository
from services.users.repository import UserRepository


class ShopUnitOfWork(SqlUnitOfWork):
    """Repositories of all bounded contexts over one session.

    Cross-context work (placing an order reserves stock and empties the cart) happens in one
    transaction, but each context still reaches the others' data only through their
    repositories and services.
    """

    def _open_repositories(self) -> None:
        session = self.session
        self.catalog = CatalogRepository(session)
        self.carts = CartRepository(session)
        self.users = UserRepository(session)
        self.stock = StockRepository(session)
        self.orders = OrderRepository(session)
        self.payments = PaymentRepository(session)
        self.coupons = CouponRepository(session)
        self.approvals = ApprovalRepository(session)
