"""The composition root: builds engine, adapters and services from Settings.

The API's lifespan, the CLI, the worker and the agent all call :func:`bootstrap`; tests pass
their own clock or adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config.settings import Settings
from config.telemetry import instrument_engine, trace_calls, tracing_on
from services.adapters import Adapters, build_adapters
from services.approvals.service import ApprovalService
from services.carts.service import CartService
from services.catalog.embeddings import Embedder
from services.catalog.search import ProductSearch
from services.catalog.search_wiring import SearchParts, build_search
from services.catalog.service import CatalogService
from services.coupons.service import CouponService
from services.events.wiring import Events, build_events
from services.kernel.clock import Clock, SystemClock
from services.kernel.db import create_engine, session_factory
from services.kernel.events import InProcessEventBus
from services.kernel.idempotency import Idempotency
from services.orders.context import OrderContext
from services.orders.limits import UnpaidLimits
from services.orders.service import OrderService
from services.payments.gateway import MockPaymentGateway, PaymentGateway
from services.payments.moves import MoneyMover
from services.payments.service import PaymentService
from services.storage import BlobStorage, LocalFileStorage
from services.uow import ShopUnitOfWork
from services.users.service import UserService, build_user_service


@dataclass
class Container:
    """Everything the entry points need, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    bus: InProcessEventBus
    uow: Callable[[], ShopUnitOfWork]
    storage: BlobStorage
    product_search: ProductSearch
    catalog: CatalogService
    carts: CartService
    payment_gateway: PaymentGateway
    users: UserService
    orders: OrderService
    payments: PaymentService
    coupons: CouponService
    approvals: ApprovalService
    idempotency: Idempotency
    events: Events
    search: SearchParts
    adapters: Adapters

    async def check_database(self) -> None:
        """Raise if the database does not answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        """Release connections."""
        await self.events.aclose()
        await self.search.aclose()
        await self.adapters.aclose()
        await self.engine.dispose()


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, embedder: Embedder | None = None
) -> Container:
    """Build the container for ``settings`` (``embedder``: hybrid search's, for tests)."""
    engine = create_engine(settings.database_url, echo=settings.sql_echo)
    instrument_engine(settings, engine)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    bus = InProcessEventBus()

    def uow() -> ShopUnitOfWork:
        return ShopUnitOfWork(sessions, bus, clock)

    storage = LocalFileStorage(settings.media_dir, settings.media_url_prefix)
    search = build_search(settings, sessions, embedder)
    product_search = search.engine
    events = build_events(settings, sessions, clock, bus, search.indexer)
    adapters = build_adapters(settings, sessions, uow, clock, bus)
    if search.indexer is not None:
        search.indexer.after_indexing.append(adapters.catalog_cache.on_event)
    payment_gateway = MockPaymentGateway(clock)
    carts = CartService(uow, clock, currency=settings.currency)
    mover = MoneyMover(payment_gateway)
    orders = OrderContext(
        uow=uow,
        clock=clock,
        mover=mover,
        carts=carts,
        refund_limiter=adapters.refund_limiter,
        expiry=timedelta(minutes=settings.order_expiry_minutes),
        shipping_minor=settings.shipping_flat_minor,
        single_item_change=settings.orders_single_item_change,
        stock_gate=adapters.stock_gate,
        unpaid=UnpaidLimits(
            orders=settings.max_unpaid_orders,
            units_per_variant=settings.max_unpaid_units_per_variant,
        ),
    )

    container = Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        bus=bus,
        uow=uow,
        storage=storage,
        product_search=product_search,
        catalog=CatalogService(
            uow,
            clock,
            storage,
            product_search,
            currency=settings.currency,
            image_max_bytes=settings.image_max_bytes,
            cache=adapters.catalog_cache,
        ),
        carts=carts,
        payment_gateway=payment_gateway,
        users=build_user_service(
            settings,
            uow,
            clock,
            payment_gateway,
            revocations=adapters.revocations,
            login_throttle=adapters.login_throttle,
        ),
        orders=OrderService(orders),
        payments=PaymentService(
            uow,
            clock,
            mover,
            timedelta(minutes=settings.payment_token_minutes),
            token_gate=adapters.payment_tokens,
        ),
        coupons=CouponService(uow, clock, settings.currency),
        approvals=ApprovalService(uow, clock),
        idempotency=Idempotency(adapters.idempotency, clock),
        events=events,
        search=search,
        adapters=adapters,
    )
    if tracing_on():
        _trace_services(container)
    return container


def _trace_services(container: Container) -> None:
    """Each call of a service becomes a span (the middle of HTTP / tool → service → SQL)."""
    for service in (
        container.catalog,
        container.carts,
        container.users,
        container.orders,
        container.payments,
        container.coupons,
        container.approvals,
    ):
        trace_calls(service)
