"""Orders through HTTP: placing, idempotency, reading, cancelling, changing, expiry, deleting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.kernel.clock import FrozenClock
from tests.e2e.accounts import sign_up
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import (
    Shop,
    add_gift_card,
    gift_balance,
    new_buyer,
    ok,
    open_shop,
    paid_order,
    place,
    variant_stock,
)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock the expiry tests move by hand."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Access tokens outlive the clock jumps of these tests."""
    return settings.model_copy(update={"access_token_minutes": 600})


@pytest.fixture
async def container(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    """The real container on the frozen clock."""
    built = bootstrap(settings, clock=clock)
    yield built
    await built.aclose()


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """One product with two variants: 5 units at $25.00 and 5 units at $30.00."""
    return await open_shop(client, container, stock=[5, 5], prices=[2500, 3000])


# placing


async def test_placing_an_order_snapshots_prices_and_address_and_reserves_stock(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2), (shop.variant_id(1), 1)]), 201)
    assert order["status"] == "pending_payment"
    assert [(line["quantity"], line["unit_price"]["amount"]) for line in order["lines"]] == [
        (2, 2500),
        (1, 3000),
    ]
    assert order["subtotal"] == {"amount": 8000, "currency": "USD", "formatted": "$80.00"}
    assert order["discount"]["amount"] == 0
    assert order["shipping"]["amount"] == 0
    assert order["total"]["amount"] == 8000
    assert order["shipping_address"]["recipient"] == "Ada Buyer"
    assert order["expires_at"] is not None
    assert order["payments"] == []
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 2)
    assert await variant_stock(client, shop, shop.variant_id(1)) == (5, 1)


async def test_a_later_price_change_does_not_touch_the_order(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    patch = {"price": {"amount": 9900}}
    ok(
        await client.patch(
            f"/variants/{shop.variant_id(0)}", json=patch, headers=shop.admin.headers
        )
    )
    again = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert again["lines"][0]["unit_price"]["amount"] == 2500
    assert again["total"]["amount"] == 2500


async def test_ordering_the_whole_cart_empties_it(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    for variant_id, quantity in [(shop.variant_id(0), 2), (shop.variant_id(1), 1)]:
        body = {"variant_id": variant_id, "quantity": quantity}
        ok(await client.post("/cart/items", json=body, headers=buyer.headers))
    order = ok(
        await client.post("/orders", json={"address_id": buyer.address_id}, headers=buyer.headers),
        201,
    )
    assert order["total"]["amount"] == 8000
    cart = ok(await client.get("/cart", headers=buyer.headers))
    assert cart["lines"] == []


async def test_ordering_chosen_cart_lines_leaves_the_others(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    for variant_id in (shop.variant_id(0), shop.variant_id(1)):
        body = {"variant_id": variant_id, "quantity": 1}
        ok(await client.post("/cart/items", json=body, headers=buyer.headers))
    body = {"address_id": buyer.address_id, "cart_variant_ids": [shop.variant_id(1)]}
    order = ok(await client.post("/orders", json=body, headers=buyer.headers), 201)
    assert [line["variant_id"] for line in order["lines"]] == [shop.variant_id(1)]
    cart = ok(await client.get("/cart", headers=buyer.headers))
    assert [line["variant_id"] for line in cart["lines"]] == [shop.variant_id(0)]


async def test_ordering_an_empty_cart_is_refused(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    response = await client.post(
        "/orders", json={"address_id": buyer.address_id}, headers=buyer.headers
    )
    assert response.status_code == 400
    assert error_code(response) == "empty_order"


async def test_an_order_short_of_one_item_reserves_nothing(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    response = await place(client, buyer, [(shop.variant_id(0), 2), (shop.variant_id(1), 6)])
    assert response.status_code == 409
    assert error_code(response) == "out_of_stock"
    assert response.json()["error"]["details"] == {
        "variant_id": shop.variant_id(1),
        "requested": 6,
        "available": 5,
    }
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)
    assert await variant_stock(client, shop, shop.variant_id(1)) == (5, 0)


async def test_duplicate_items_are_merged_before_reserving(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    response = await place(client, buyer, [(shop.variant_id(0), 3), (shop.variant_id(0), 3)])
    assert response.status_code == 409
    assert error_code(response) == "out_of_stock"
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2), (shop.variant_id(0), 3)]), 201)
    assert [line["quantity"] for line in order["lines"]] == [5]


async def test_unknown_variant_and_someone_elses_address_are_404(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer, other = await new_buyer(client), await new_buyer(client)
    response = await place(client, buyer, [("var_missing", 1)])
    assert response.status_code == 404
    assert error_code(response) == "variant_not_found"
    body = {"address_id": other.address_id, "items": [{"variant_id": shop.variant_id(0)}]}
    response = await client.post("/orders", json=body, headers=buyer.headers)
    assert response.status_code == 404
    assert error_code(response) == "address_not_found"


async def test_an_unavailable_variant_cannot_be_ordered(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    patch = {"is_available": False}
    ok(
        await client.patch(
            f"/variants/{shop.variant_id(0)}", json=patch, headers=shop.admin.headers
        )
    )
    buyer = await new_buyer(client)
    response = await place(client, buyer, [(shop.variant_id(0), 1)])
    assert response.status_code == 409
    assert error_code(response) == "out_of_stock"


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"variant_id": "v", "quantity": 0}]},
        {"items": [{"variant_id": "v", "quantity": 100}]},
        {"items": []},
        {"items": [{"variant_id": "v"}], "cart_variant_ids": ["v"]},
        {"items": [{"variant_id": "v"}], "coupon_code": "X", "apply_best_coupon": True},
        {"items": [{"variant_id": "v"}], "surprise": 1},
    ],
)
async def test_malformed_order_bodies_are_422(
    client: httpx.AsyncClient, shop: Shop, body: dict[str, Any]
) -> None:
    buyer = await new_buyer(client)
    response = await client.post(
        "/orders", json={"address_id": buyer.address_id, **body}, headers=buyer.headers
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


async def test_orders_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert (await client.post("/orders", json={"address_id": "a"})).status_code == 401
    assert (await client.get("/orders")).status_code == 401


# idempotency


async def test_a_retried_order_with_the_same_key_is_replayed_not_placed_twice(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    body = {"address_id": buyer.address_id, "items": [{"variant_id": shop.variant_id(0)}]}
    headers = {**buyer.headers, "Idempotency-Key": "order-1"}
    first = await client.post("/orders", json=body, headers=headers)
    again = await client.post("/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listing = ok(await client.get("/orders", headers=buyer.headers))
    assert listing["total"] == 1
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 1)


async def test_the_same_key_with_another_payload_is_422(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    headers = {**buyer.headers, "Idempotency-Key": "order-1"}
    body = {"address_id": buyer.address_id, "items": [{"variant_id": shop.variant_id(0)}]}
    ok(await client.post("/orders", json=body, headers=headers), 201)
    body["items"] = [{"variant_id": shop.variant_id(0), "quantity": 2}]
    response = await client.post("/orders", json=body, headers=headers)
    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"


async def test_keys_belong_to_one_user(client: httpx.AsyncClient, shop: Shop) -> None:
    first, second = await new_buyer(client), await new_buyer(client)
    for buyer in (first, second):
        body = {"address_id": buyer.address_id, "items": [{"variant_id": shop.variant_id(0)}]}
        headers = {**buyer.headers, "Idempotency-Key": "same-key"}
        response = await client.post("/orders", json=body, headers=headers)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers


async def test_a_failed_order_does_not_burn_its_key(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    headers = {**buyer.headers, "Idempotency-Key": "order-retry"}
    body = {
        "address_id": buyer.address_id,
        "items": [{"variant_id": shop.variant_id(0), "quantity": 6}],
    }
    assert (await client.post("/orders", json=body, headers=headers)).status_code == 409
    patch = {"stock_delta": 5}
    ok(
        await client.patch(
            f"/variants/{shop.variant_id(0)}", json=patch, headers=shop.admin.headers
        )
    )
    response = await client.post("/orders", json=body, headers=headers)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


# reading


async def test_orders_are_listed_newest_first_paged_and_filtered_by_status(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    placed = [ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201) for _ in range(3)]
    ok(await client.post(f"/orders/{placed[0]['id']}/cancel", headers=buyer.headers))
    page = ok(await client.get("/orders?page=1&page_size=2", headers=buyer.headers))
    assert (page["total"], page["page"], page["page_size"]) == (3, 1, 2)
    assert {o["id"] for o in page["items"]} <= {o["id"] for o in placed}
    second = ok(await client.get("/orders?page=2&page_size=2", headers=buyer.headers))
    assert len(second["items"]) == 1
    cancelled = ok(await client.get("/orders?status=cancelled", headers=buyer.headers))
    assert [o["id"] for o in cancelled["items"]] == [placed[0]["id"]]
    bad = await client.get("/orders?status=lost", headers=buyer.headers)
    assert bad.status_code == 422
    other = await sign_up(client)
    assert ok(await client.get("/orders", headers=other.headers))["total"] == 0


# cancelling


async def test_cancelling_an_unpaid_order_releases_its_stock(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 3)]), 201)
    body = {"reason": "changed my mind"}
    cancelled = ok(
        await client.post(f"/orders/{order['id']}/cancel", json=body, headers=buyer.headers)
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "changed my mind"
    assert cancelled["refunds"] == []
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)


async def test_cancelling_a_paid_order_refunds_the_card(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    cancelled = ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    assert cancelled["status"] == "cancelled"
    (refund,) = cancelled["refunds"]
    assert (refund["amount"]["amount"], refund["purpose"]) == (5000, "cancellation")
    assert refund["payment_method_id"] == buyer.methods["ok"]
    assert cancelled["amount_paid"]["amount"] == 0
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)


async def test_cancelling_a_gift_card_order_restores_the_balance_at_once(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 10_000)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)], method="gift")
    assert await gift_balance(client, buyer.headers, gift) == 5000
    ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    assert await gift_balance(client, buyer.headers, gift) == 10_000


async def test_a_shipped_order_cannot_be_cancelled(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    ship = {"tracking_id": "TRK-9"}
    ok(
        await client.post(
            f"/admin/orders/{order['id']}/ship", json=ship, headers=shop.admin.headers
        )
    )
    response = await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers)
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert "shipped" in response.json()["error"]["message"]


# shipping and delivery


async def test_shipping_takes_units_off_the_shelf_and_delivery_completes(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    admin = shop.admin.headers
    shipped = ok(
        await client.post(
            f"/admin/orders/{order['id']}/ship", json={"tracking_id": "TRK-1"}, headers=admin
        )
    )
    assert (shipped["status"], shipped["tracking_id"]) == ("shipped", "TRK-1")
    assert await variant_stock(client, shop, shop.variant_id(0)) == (3, 0)
    delivered = ok(await client.post(f"/admin/orders/{order['id']}/deliver", headers=admin))
    assert delivered["status"] == "delivered"
    assert delivered["delivered_at"] is not None
    listing = ok(await client.get("/admin/orders?status=delivered", headers=admin))
    assert order["id"] in [o["id"] for o in listing["items"]]


async def test_customers_cannot_ship_deliver_or_list_all_orders(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    body = {"tracking_id": "T"}
    ship = await client.post(f"/admin/orders/{order['id']}/ship", json=body, headers=buyer.headers)
    deliver = await client.post(f"/admin/orders/{order['id']}/deliver", headers=buyer.headers)
    listing = await client.get("/admin/orders", headers=buyer.headers)
    assert ship.status_code == deliver.status_code == listing.status_code == 403


async def test_shipping_needs_a_tracking_id(client: httpx.AsyncClient, shop: Shop) -> None:
    response = await client.post(
        "/admin/orders/ord_x/ship", json={"tracking_id": ""}, headers=shop.admin.headers
    )
    assert response.status_code == 422
    missing = await client.post(
        "/admin/orders/ord_x/ship", json={"tracking_id": "T"}, headers=shop.admin.headers
    )
    assert missing.status_code == 404
    assert error_code(missing) == "order_not_found"


# changing before shipping


async def test_the_address_can_change_before_shipping(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    address = {"recipient": "Bo", "line1": "9 Elm", "city": "Shelby", "zip": "999", "country": "US"}
    created = ok(await client.post("/users/me/addresses", json=address, headers=buyer.headers), 201)
    changed = ok(
        await client.patch(
            f"/orders/{order['id']}", json={"address_id": created["id"]}, headers=buyer.headers
        )
    )
    assert changed["shipping_address"]["recipient"] == "Bo"


async def test_swapping_items_of_an_unpaid_order_reprices_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)]), 201)
    swap = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    changed = ok(await client.patch(f"/orders/{order['id']}", json=swap, headers=buyer.headers))
    assert changed["lines"][0]["variant_id"] == shop.variant_id(1)
    assert changed["total"]["amount"] == 6000
    assert changed["payments"] == []
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)
    assert await variant_stock(client, shop, shop.variant_id(1)) == (5, 2)


async def test_swapping_to_a_dearer_variant_of_a_paid_order_charges_the_difference(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    swap = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    changed = ok(await client.patch(f"/orders/{order['id']}", json=swap, headers=buyer.headers))
    assert [p["amount"]["amount"] for p in changed["payments"]] == [5000, 1000]
    assert changed["payments"][1]["purpose"] == "adjustment"
    assert changed["amount_paid"]["amount"] == changed["total"]["amount"] == 6000
    back = {"items": [{"variant_id": shop.variant_id(1), "new_variant_id": shop.variant_id(0)}]}
    again = ok(await client.patch(f"/orders/{order['id']}", json=back, headers=buyer.headers))
    assert [r["amount"]["amount"] for r in again["refunds"]] == [1000]
    assert again["amount_paid"]["amount"] == again["total"]["amount"] == 5000


async def test_items_can_only_be_swapped_within_the_same_product(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    other = await open_shop(client, container, stock=[5])
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    swap = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": other.variant_id(0)}]}
    response = await client.patch(f"/orders/{order['id']}", json=swap, headers=buyer.headers)
    assert response.status_code == 400
    assert error_code(response) == "invalid_exchange"
    missing = {"items": [{"variant_id": shop.variant_id(1), "new_variant_id": shop.variant_id(0)}]}
    response = await client.patch(f"/orders/{order['id']}", json=missing, headers=buyer.headers)
    assert response.status_code == 400
    assert error_code(response) == "item_not_in_order"


async def test_moving_a_paid_order_to_another_method_charges_it_and_refunds_the_first(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 20_000)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    body = {"payment_method_id": gift}
    changed = ok(await client.patch(f"/orders/{order['id']}", json=body, headers=buyer.headers))
    assert changed["payment_method_id"] == gift
    assert [(p["payment_method_id"], p["amount"]["amount"]) for p in changed["payments"]] == [
        (buyer.methods["ok"], 5000),
        (gift, 5000),
    ]
    assert [(r["payment_method_id"], r["amount"]["amount"]) for r in changed["refunds"]] == [
        (buyer.methods["ok"], 5000)
    ]
    assert await gift_balance(client, buyer.headers, gift) == 15_000
    same = await client.patch(f"/orders/{order['id']}", json=body, headers=buyer.headers)
    assert same.status_code == 400
    assert error_code(same) == "nothing_to_change"


async def test_an_unpaid_order_only_records_the_chosen_payment_method(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    body = {"payment_method_id": buyer.methods["ok"]}
    changed = ok(await client.patch(f"/orders/{order['id']}", json=body, headers=buyer.headers))
    assert changed["payment_method_id"] == buyer.methods["ok"]
    assert changed["payments"] == []
    assert changed["status"] == "pending_payment"


async def test_a_gift_card_that_cannot_cover_the_move_changes_nothing(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 100)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 2)])
    body = {"payment_method_id": gift}
    response = await client.patch(f"/orders/{order['id']}", json=body, headers=buyer.headers)
    assert response.status_code == 402
    assert error_code(response) == "insufficient_funds"
    again = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert again["payment_method_id"] == buyer.methods["ok"]
    assert len(again["payments"]) == 1


async def test_nothing_changes_after_shipping(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    ship = {"tracking_id": "T"}
    ok(
        await client.post(
            f"/admin/orders/{order['id']}/ship", json=ship, headers=shop.admin.headers
        )
    )
    body = {"address_id": buyer.address_id}
    response = await client.patch(f"/orders/{order['id']}", json=body, headers=buyer.headers)
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


async def test_an_empty_change_is_422(client: httpx.AsyncClient, shop: Shop) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    response = await client.patch(f"/orders/{order['id']}", json={}, headers=buyer.headers)
    assert response.status_code == 422


# expiry


async def test_an_unpaid_order_expires_and_gives_its_stock_back(
    client: httpx.AsyncClient, container: Container, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 4)]), 201)
    clock.advance(minutes=9)
    assert await container.orders.expire_due() == 0
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 4)
    clock.advance(minutes=2)
    assert await container.orders.expire_due() == 1
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)
    expired = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert expired["status"] == "expired"
    assert await container.orders.expire_due() == 0


async def test_reading_an_order_past_its_window_expires_it_without_the_sweeper(
    client: httpx.AsyncClient, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)]), 201)
    clock.advance(minutes=10)
    seen = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert seen["status"] == "expired"
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)


async def test_paying_an_expired_order_is_refused_even_before_the_sweeper_runs(
    client: httpx.AsyncClient, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 2)]), 201)
    token = ok(
        await client.post(f"/orders/{order['id']}/payment-token", headers=buyer.headers), 201
    )
    clock.advance(minutes=11)
    body = {"payment_method_id": buyer.methods["ok"], "payment_token": token["payment_token"]}
    headers = {**buyer.headers, "Idempotency-Key": "late-pay"}
    response = await client.post(f"/orders/{order['id']}/pay", json=body, headers=headers)
    assert response.status_code == 409
    assert error_code(response) == "order_expired"
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)
    again = await client.post(f"/orders/{order['id']}/pay", json=body, headers=headers)
    assert again.status_code == 409
    assert error_code(again) == "order_expired"
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert state["status"] == "expired"
    assert state["payments"] == []


async def test_an_expired_order_cannot_be_cancelled(
    client: httpx.AsyncClient, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    clock.advance(minutes=30)
    response = await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers)
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert await variant_stock(client, shop, shop.variant_id(0)) == (5, 0)


async def test_paid_orders_never_expire(
    client: httpx.AsyncClient, container: Container, clock: FrozenClock, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    clock.advance(hours=5)
    assert await container.orders.expire_due() == 0
    assert ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))["status"] == "paid"


# deleting


async def test_finished_orders_can_be_deleted_and_then_are_gone(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    refused = await client.delete(f"/orders/{order['id']}", headers=buyer.headers)
    assert refused.status_code == 409
    assert error_code(refused) == "invalid_transition"
    ok(await client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers))
    assert (await client.delete(f"/orders/{order['id']}", headers=buyer.headers)).status_code == 204
    assert (await client.get(f"/orders/{order['id']}", headers=buyer.headers)).status_code == 404
    assert ok(await client.get("/orders", headers=buyer.headers))["total"] == 0
