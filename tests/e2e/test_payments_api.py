"""Two-step pay through HTTP: tokens, cards, gift cards, PayPal, declines, retries, history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.clock import FrozenClock
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import (
    Buyer,
    Shop,
    add_gift_card,
    gift_balance,
    new_buyer,
    ok,
    open_shop,
    paid_order,
    pay,
    place,
)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock the token-expiry test moves by hand."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Orders outlive payment tokens here, so token expiry can be seen on its own."""
    return settings.model_copy(update={"access_token_minutes": 600, "order_expiry_minutes": 60})


@pytest.fixture
async def container(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    """The real container on the frozen clock."""
    built = bootstrap(settings, clock=clock)
    yield built
    await built.aclose()


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """One product with a $25.00 variant."""
    return await open_shop(client, container, stock=[20], prices=[2500])


async def token_for(client: httpx.AsyncClient, buyer: Buyer, order_id: str) -> str:
    """A fresh payment token of the order."""
    body = ok(await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers), 201)
    return str(body["payment_token"])


async def pay_with(
    client: httpx.AsyncClient, buyer: Buyer, order_id: str, method_id: str, token: str, key: str
) -> httpx.Response:
    """POST /orders/{id}/pay."""
    body = {"payment_method_id": method_id, "payment_token": token}
    headers = {**buyer.headers, "Idempotency-Key": key}
    return await client.post(f"/orders/{order_id}/pay", json=body, headers=headers)


async def test_paying_captures_the_total_once_and_records_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)]), 201)
    token = ok(
        await client.post(f"/orders/{order['id']}/payment-token", headers=buyer.headers), 201
    )
    assert token["order_id"] == order["id"]
    assert len(token["payment_token"]) >= 32
    paid = ok(
        await pay_with(
            client, buyer, order["id"], buyer.methods["ok"], token["payment_token"], "k1"
        )
    )
    assert paid["status"] == "paid"
    assert paid["payment_method_id"] == buyer.methods["ok"]
    assert paid["amount_paid"]["amount"] == 5000
    (charge,) = paid["payments"]
    assert (charge["kind"], charge["status"], charge["purpose"]) == (
        "charge",
        "succeeded",
        "payment",
    )
    assert charge["method_kind"] == "card"
    assert paid["expires_at"] is None


async def test_a_token_pays_once(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client, "declined", "ok")
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, order["id"])
    declined = await pay_with(client, buyer, order["id"], buyer.methods["declined"], token, "a")
    assert declined.status_code == 402
    assert error_code(declined) == "card_declined"
    reused = await pay_with(client, buyer, order["id"], buyer.methods["ok"], token, "b")
    assert reused.status_code == 409
    assert error_code(reused) == "payment_token_used"
    fresh = await token_for(client, buyer, order["id"])
    ok(await pay_with(client, buyer, order["id"], buyer.methods["ok"], fresh, "c"))


async def test_a_declined_attempt_is_in_the_ledger_and_the_order_stays_unpaid(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client, "declined")
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    response = await pay(client, buyer, order["id"], "declined")
    assert response.status_code == 402
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert state["status"] == "pending_payment"
    assert state["amount_paid"]["amount"] == 0
    (attempt,) = state["payments"]
    assert (attempt["status"], attempt["failure_code"]) == ("failed", "card_declined")


async def test_insufficient_funds_is_402(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client, "no_funds")
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    response = await pay(client, buyer, order["id"], "no_funds")
    assert response.status_code == 402
    assert error_code(response) == "insufficient_funds"


async def test_a_transient_provider_failure_is_retried_with_one_charge(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client, "flaky")
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    paid = ok(await pay(client, buyer, order["id"], "flaky"))
    assert paid["status"] == "paid"
    assert [p["status"] for p in paid["payments"]] == ["succeeded"]


async def test_a_gift_card_pays_when_it_covers_the_total(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 6000)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)], method="gift")
    assert order["payments"][0]["method_kind"] == "gift_card"
    assert await gift_balance(client, buyer.headers, gift) == 1000
    second = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    response = await pay(client, buyer, second["id"], "gift")
    assert response.status_code == 402
    assert error_code(response) == "insufficient_funds"
    assert await gift_balance(client, buyer.headers, gift) == 1000


async def test_paypal_accounts_pay(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    body = {"type": "paypal", "email": "ada@example.com"}
    method = ok(
        await client.post("/users/me/payment-methods", json=body, headers=buyer.headers), 201
    )
    buyer.methods["paypal"] = method["id"]
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)], method="paypal")
    assert order["payments"][0]["method_kind"] == "paypal"
    cancelled = ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    assert cancelled["refunds"][0]["payment_method_id"] == method["id"]


async def test_a_retried_payment_replays_instead_of_charging_again(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, order["id"])
    first = await pay_with(client, buyer, order["id"], buyer.methods["ok"], token, "pay-once")
    again = await pay_with(client, buyer, order["id"], buyer.methods["ok"], token, "pay-once")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert len(state["payments"]) == 1


async def test_paying_needs_an_idempotency_key(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, order["id"])
    body = {"payment_method_id": buyer.methods["ok"], "payment_token": token}
    response = await client.post(f"/orders/{order['id']}/pay", json=body, headers=buyer.headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["message"]


async def test_a_token_of_another_order_or_a_made_up_one_is_refused(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    first = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    second = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, first["id"])
    wrong = await pay_with(client, buyer, second["id"], buyer.methods["ok"], token, "x1")
    assert wrong.status_code == 400
    assert error_code(wrong) == "invalid_payment_token"
    made_up = await pay_with(client, buyer, second["id"], buyer.methods["ok"], "z" * 43, "x2")
    assert error_code(made_up) == "invalid_payment_token"


async def test_a_token_expires_after_its_window(
    client: httpx.AsyncClient, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, order["id"])
    clock.advance(minutes=16)
    response = await pay_with(client, buyer, order["id"], buyer.methods["ok"], token, "late")
    assert response.status_code == 409
    assert error_code(response) == "payment_token_expired"


async def test_someone_elses_payment_method_is_404(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer, other = await new_buyer(client), await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    token = await token_for(client, buyer, order["id"])
    response = await pay_with(client, buyer, order["id"], other.methods["ok"], token, "k")
    assert response.status_code == 404
    assert error_code(response) == "payment_method_not_found"


async def test_a_paid_order_gets_no_new_token_and_cannot_be_paid_again(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    response = await client.post(f"/orders/{order['id']}/payment-token", headers=buyer.headers)
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


@pytest.mark.parametrize(
    "body",
    [
        {"payment_method_id": "pm"},
        {"payment_method_id": "pm", "payment_token": "short"},
        {"payment_method_id": "pm", "payment_token": "x" * 40, "extra": True},
    ],
)
async def test_malformed_pay_bodies_are_422(
    client: httpx.AsyncClient, shop: Shop, body: dict[str, object]
) -> None:
    buyer = await new_buyer(client)
    headers = {**buyer.headers, "Idempotency-Key": "k"}
    response = await client.post("/orders/ord_x/pay", json=body, headers=headers)
    assert response.status_code == 422


async def test_payment_history_lists_charges_and_refunds_newest_first(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    history = ok(await client.get("/payments?page_size=2", headers=buyer.headers))
    assert history["total"] == 3
    assert [row["amount"]["amount"] for row in history["items"]] == [5000, 2500]
    assert [row["kind"] for row in history["items"]] == ["charge", "refund"]
    other = await new_buyer(client)
    assert ok(await client.get("/payments", headers=other.headers))["total"] == 0
    assert (await client.get("/payments")).status_code == 401
