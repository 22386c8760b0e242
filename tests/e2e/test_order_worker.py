"""Expiry outside request handling: the API's background sweeper, ``domtok worker``, events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli_app
from config.settings import Settings, get_settings
from services.bootstrap import Container, bootstrap
from services.kernel.actor import Actor
from services.kernel.clock import FrozenClock
from services.kernel.events import DomainEvent
from tests.e2e.order_helpers import new_buyer, ok, open_shop, paid_order, place, ship_and_deliver


async def _place_one(container: Container) -> tuple[str, str, str]:
    """Place a one-unit order through the API; returns (user id, order id, variant id)."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        shop = await open_shop(client, container, stock=[3])
        buyer = await new_buyer(client)
        order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    return buyer.session.user_id, order["id"], shop.variant_id(0)


async def _status_and_reserved(
    container: Container, user_id: str, order_id: str
) -> tuple[str, int]:
    order = await container.orders.get(Actor(user_id), order_id)
    variant = await container.catalog.get_variant(order.lines[0].variant_id)
    return order.status, variant.reserved


async def _stored_status(container: Container, order_id: str) -> str:
    """The status as stored, without the lazy expiry that reading through the service does."""
    async with container.uow() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        return order.status.value


async def test_the_api_process_sweeps_expired_orders_in_the_background(settings: Settings) -> None:
    clock = FrozenClock(datetime.now(UTC))
    container = bootstrap(
        settings.model_copy(update={"expiry_sweep_seconds": 0.05, "access_token_minutes": 600}),
        clock=clock,
    )
    try:
        user_id, order_id, _ = await _place_one(container)
        app = create_app(container=container)
        async with app.router.lifespan_context(app):
            clock.advance(minutes=11)
            status = await _stored_status(container, order_id)
            for _ in range(200):
                if status == "expired":
                    break
                await asyncio.sleep(0.05)
                status = await _stored_status(container, order_id)
        assert status == "expired"
        assert await _status_and_reserved(container, user_id, order_id) == ("expired", 0)
    finally:
        await container.aclose()


@pytest.mark.parametrize(("external", "running"), [(True, False), (False, True)])
async def test_the_api_runs_its_own_sweeper_unless_an_external_worker_is_configured(
    settings: Settings, external: bool, running: bool
) -> None:
    container = bootstrap(settings.model_copy(update={"external_worker": external}))
    app = create_app(container=container)
    try:
        async with app.router.lifespan_context(app):
            names = {task.get_name() for task in asyncio.all_tasks()}
            assert ("order-expiry-sweeper" in names) is running
        assert "order-expiry-sweeper" not in {task.get_name() for task in asyncio.all_tasks()}
    finally:
        await container.aclose()


def test_domtok_worker_once_expires_orders_left_behind(settings: Settings) -> None:
    past = FrozenClock(datetime.now(UTC) - timedelta(hours=1))

    async def setup() -> tuple[str, str, str]:
        container = bootstrap(settings, clock=past)
        try:
            return await _place_one(container)
        finally:
            await container.aclose()

    user_id, order_id, _ = asyncio.run(setup())
    env = {
        "DOMTOK_ENVIRONMENT": "test",
        "DOMTOK_DATA_DIR": str(settings.data_dir),
        "DOMTOK_DATABASE_URL": settings.database_url,
        # The embedded worker, whatever servers the shell running the tests has exported.
        "DOMTOK_REDIS_URL": "",
        "DOMTOK_KAFKA_BOOTSTRAP": "",
        "DOMTOK_ELASTICSEARCH_URL": "",
    }
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["worker", "--once"], env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "expired 1 order(s)" in result.output

    async def check() -> tuple[str, int]:
        container = bootstrap(settings)
        try:
            return await _status_and_reserved(container, user_id, order_id)
        finally:
            await container.aclose()

    assert asyncio.run(check()) == ("expired", 0)


async def test_the_lifecycle_emits_domain_events(
    client: httpx.AsyncClient, container: Container
) -> None:
    seen: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        seen.append(event)

    container.bus.subscribe("*", record)
    shop = await open_shop(client, container, stock=[5])
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    await ship_and_deliver(client, shop, order["id"])
    ours = [e.type for e in seen if e.payload.get("order_id") == order["id"]]
    assert ours == [
        "stock.changed",
        "order.created",
        "payment.captured",
        "order.paid",
        "stock.changed",
        "order.shipped",
        "order.delivered",
    ]
    reserved = next(e for e in seen if e.type == "stock.changed")
    assert reserved.aggregate_id == shop.variant_id(0)
    assert reserved.payload["reserved"] == 2
