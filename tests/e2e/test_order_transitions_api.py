"""Every illegal step of the order lifecycle is refused through HTTP, and other users' orders
do not exist for them: every order, payment and return endpoint answers 404."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.clock import FrozenClock
from services.orders.state_machine import FINISHED, MODIFIABLE, OrderStatus, can_transition
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import (
    Buyer,
    Shop,
    delivered_order,
    new_buyer,
    ok,
    open_shop,
    paid_order,
    place,
)

S = OrderStatus
Action = Callable[[httpx.AsyncClient, Shop, Buyer, str], Awaitable[httpx.Response]]


@pytest.fixture
def clock() -> FrozenClock:
    """Moved by hand to expire an order."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Long-lived access tokens and room for many return requests."""
    return settings.model_copy(
        update={"access_token_minutes": 600, "refund_requests_per_minute": 100}
    )


@pytest.fixture
async def container(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    """The real container on the frozen clock."""
    built = bootstrap(settings, clock=clock)
    yield built
    await built.aclose()


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """Two variants of one product."""
    return await open_shop(client, container, stock=[20, 20], prices=[2500, 3000])


async def _return(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    body = {"items": [{"variant_id": shop.variant_id(0)}]}
    return await client.post(f"/orders/{order_id}/returns", json=body, headers=buyer.headers)


async def _exchange(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    body = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    return await client.post(f"/orders/{order_id}/exchanges", json=body, headers=buyer.headers)


async def _token(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    return await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers)


async def _pay(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    body = {"payment_method_id": buyer.methods["ok"], "payment_token": "t" * 43}
    headers = {**buyer.headers, "Idempotency-Key": f"illegal-{order_id}"}
    return await client.post(f"/orders/{order_id}/pay", json=body, headers=headers)


async def _cancel(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    return await client.post(f"/orders/{order_id}/cancel", headers=buyer.headers)


async def _ship(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    body = {"tracking_id": "T"}
    return await client.post(
        f"/admin/orders/{order_id}/ship", json=body, headers=shop.admin.headers
    )


async def _deliver(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    return await client.post(f"/admin/orders/{order_id}/deliver", headers=shop.admin.headers)


async def _modify(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    body = {"address_id": buyer.address_id}
    return await client.patch(f"/orders/{order_id}", json=body, headers=buyer.headers)


async def _delete(client: httpx.AsyncClient, shop: Shop, buyer: Buyer, order_id: str) -> Any:
    return await client.delete(f"/orders/{order_id}", headers=buyer.headers)


# action -> (call, status the action would lead to, or None for a rule on the current status)
ACTIONS: dict[str, tuple[Action, S | None]] = {
    "payment-token": (_token, S.PAID),
    "pay": (_pay, S.PAID),
    "cancel": (_cancel, S.CANCELLED),
    "ship": (_ship, S.SHIPPED),
    "deliver": (_deliver, S.DELIVERED),
    "return": (_return, S.RETURN_REQUESTED),
    "exchange": (_exchange, S.EXCHANGE_REQUESTED),
    "modify": (_modify, None),
    "delete": (_delete, None),
}


def refused(status: S, action: str) -> bool:
    """What the state machine says about ``action`` on an order in ``status``."""
    target = ACTIONS[action][1]
    if target is not None:
        return not can_transition(status, target)
    return status not in (MODIFIABLE if action == "modify" else FINISHED)


async def order_in(
    status: S, client: httpx.AsyncClient, shop: Shop, buyer: Buyer, clock: FrozenClock
) -> str:
    """Drive a new order of ``buyer`` to ``status`` through the API."""
    items = [(shop.variant_id(0), 1)]
    if status in (S.PENDING_PAYMENT, S.CANCELLED, S.EXPIRED):
        order_id = str(ok(await place(client, buyer, items), 201)["id"])
        if status == S.CANCELLED:
            ok(await _cancel(client, shop, buyer, order_id))
        if status == S.EXPIRED:
            clock.advance(minutes=11)
        return order_id
    if status in (S.PAID, S.SHIPPED):
        order_id = str((await paid_order(client, buyer, items))["id"])
        if status == S.SHIPPED:
            ok(await _ship(client, shop, buyer, order_id))
        return order_id
    order_id = str((await delivered_order(client, shop, buyer, items))["id"])
    if status in (S.RETURN_REQUESTED, S.RETURNED):
        request = ok(await _return(client, shop, buyer, order_id), 201)
    elif status in (S.EXCHANGE_REQUESTED, S.EXCHANGED):
        request = ok(await _exchange(client, shop, buyer, order_id), 201)
    else:
        return order_id
    if status in (S.RETURNED, S.EXCHANGED):
        url = f"/admin/returns/{request['id']}/complete"
        ok(await client.post(url, headers=shop.admin.headers))
    return order_id


@pytest.mark.parametrize("status", list(S))
async def test_every_illegal_action_is_refused_with_409_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, clock: FrozenClock, status: S
) -> None:
    buyer = await new_buyer(client)
    order_id = await order_in(status, client, shop, buyer, clock)
    before = ok(await client.get(f"/orders/{order_id}", headers=buyer.headers))
    assert before["status"] == status.value
    illegal = [name for name in ACTIONS if refused(status, name)]
    assert illegal, "every status refuses something"
    for name in illegal:
        response = await ACTIONS[name][0](client, shop, buyer, order_id)
        expected = (
            "order_expired"
            if status == S.EXPIRED and name in ("pay", "payment-token")
            else ("invalid_transition")
        )
        assert response.status_code == 409, (name, response.text)
        assert error_code(response) == expected, name
        assert status.value in response.json()["error"]["message"], name
    after = ok(await client.get(f"/orders/{order_id}", headers=buyer.headers))
    assert after["status"] == status.value
    assert after["payments"] == before["payments"]
    assert after["refunds"] == before["refunds"]


async def test_another_users_order_is_404_on_every_endpoint(
    client: httpx.AsyncClient, shop: Shop, clock: FrozenClock
) -> None:
    owner, stranger = await new_buyer(client), await new_buyer(client)
    pending = await order_in(S.PENDING_PAYMENT, client, shop, owner, clock)
    delivered = await order_in(S.DELIVERED, client, shop, owner, clock)
    calls: list[Action] = [
        lambda c, s, b, o: c.get(f"/orders/{o}", headers=b.headers),
        _modify,
        _delete,
        _cancel,
        _token,
        _pay,
        _return,
        _exchange,
    ]
    for order_id in (pending, delivered):
        for call in calls:
            response = await call(client, shop, stranger, order_id)
            assert response.status_code == 404, response.text
            assert error_code(response) == "order_not_found"
    assert ok(await client.get("/orders", headers=stranger.headers))["total"] == 0
    mine = ok(await client.get(f"/orders/{delivered}", headers=owner.headers))
    assert mine["status"] == "delivered"
    assert ok(await client.get(f"/orders/{pending}", headers=owner.headers))["status"] == (
        "pending_payment"
    )


async def test_unknown_orders_are_404_for_staff_too(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    for call in (_ship, _deliver):
        response = await call(client, shop, buyer, "ord_missing")
        assert response.status_code == 404
