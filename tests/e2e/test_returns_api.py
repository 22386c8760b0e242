"""Returns and exchanges through HTTP: requests by the owner, completion by staff."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.app import create_app
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from tests.e2e.conftest import error_code
from tests.e2e.order_helpers import (
    Shop,
    add_card,
    add_gift_card,
    delivered_order,
    gift_balance,
    new_buyer,
    ok,
    open_shop,
    paid_order,
    pay,
    ship_and_deliver,
    variant_stock,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room for many return requests; the rate-limit test builds its own app at the default."""
    return settings.model_copy(update={"refund_requests_per_minute": 100})


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container) -> Shop:
    """Three variants of one product: $25.00, $30.00 and $20.00, 10 units each."""
    return await open_shop(client, container, stock=[10, 10, 10], prices=[2500, 3000, 2000])


async def complete(client: httpx.AsyncClient, shop: Shop, return_id: str) -> dict[str, Any]:
    """Staff complete a return or exchange."""
    response = await client.post(f"/admin/returns/{return_id}/complete", headers=shop.admin.headers)
    return dict(ok(response))


async def test_a_completed_return_restocks_and_refunds_the_card(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 3)])
    assert await variant_stock(client, shop, shop.variant_id(0)) == (7, 0)
    body = {"items": [{"variant_id": shop.variant_id(0), "quantity": 2}], "reason": "too big"}
    request = ok(
        await client.post(f"/orders/{order['id']}/returns", json=body, headers=buyer.headers), 201
    )
    assert (request["kind"], request["status"], request["amount"]["amount"]) == (
        "return",
        "requested",
        5000,
    )
    assert request["payment_method_id"] == buyer.methods["ok"]
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert state["status"] == "return_requested"
    done = await complete(client, shop, request["id"])
    assert done["status"] == "returned"
    assert [(r["amount"]["amount"], r["purpose"]) for r in done["refunds"]] == [(5000, "return")]
    assert done["amount_paid"]["amount"] == 2500
    assert done["returns"][0]["status"] == "completed"
    assert await variant_stock(client, shop, shop.variant_id(0)) == (9, 0)


async def test_a_return_can_be_refunded_to_a_gift_card_the_user_names(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 100)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(1), 1)])
    body = {"items": [{"variant_id": shop.variant_id(1)}], "payment_method_id": gift}
    request = ok(
        await client.post(f"/orders/{order['id']}/returns", json=body, headers=buyer.headers), 201
    )
    assert request["payment_method_id"] == gift
    done = await complete(client, shop, request["id"])
    assert done["refunds"][0]["payment_method_id"] == gift
    assert await gift_balance(client, buyer.headers, gift) == 3100


async def test_refunds_go_only_to_the_original_method_or_a_gift_card(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    spare = await add_card(client, buyer, "ok", name="spare")
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    items = [{"variant_id": shop.variant_id(0)}]
    response = await client.post(
        f"/orders/{order['id']}/returns",
        json={"items": items, "payment_method_id": spare},
        headers=buyer.headers,
    )
    assert response.status_code == 400
    assert error_code(response) == "refund_method_not_allowed"
    unknown = await client.post(
        f"/orders/{order['id']}/returns",
        json={"items": items, "payment_method_id": "pm_unknown"},
        headers=buyer.headers,
    )
    assert unknown.status_code == 404
    assert error_code(unknown) == "payment_method_not_found"


async def test_a_return_of_a_coupon_order_refunds_what_was_paid_for_the_items(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = {
        "code": "RET10",
        "kind": "amount_off",
        "amount_off": 1000,
        "expires_at": "2999-01-01T00:00:00Z",
    }
    ok(await client.post("/coupons", json=body, headers=shop.admin.headers), 201)
    buyer = await new_buyer(client)
    ok(await client.post("/coupons/RET10/claim", headers=buyer.headers), 201)
    placed = ok(
        await client.post(
            "/orders",
            json={
                "address_id": buyer.address_id,
                "items": [
                    {"variant_id": shop.variant_id(0), "quantity": 2},
                    {"variant_id": shop.variant_id(2), "quantity": 1},
                ],
                "coupon_code": "RET10",
            },
            headers=buyer.headers,
        ),
        201,
    )
    assert placed["total"]["amount"] == 6000
    ok(await pay(client, buyer, placed["id"]))
    order = await ship_and_deliver(client, shop, placed["id"])
    body = {"items": [{"variant_id": shop.variant_id(0)}]}
    request = ok(
        await client.post(f"/orders/{order['id']}/returns", json=body, headers=buyer.headers), 201
    )
    assert request["amount"]["amount"] == 5000 - 1000 * 5000 // 7000
    done = await complete(client, shop, request["id"])
    assert done["amount_paid"]["amount"] == 6000 - request["amount"]["amount"]


async def test_only_delivered_orders_and_their_own_items_can_be_returned(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    paid = await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    body = {"items": [{"variant_id": shop.variant_id(0)}]}
    early = await client.post(f"/orders/{paid['id']}/returns", json=body, headers=buyer.headers)
    assert early.status_code == 409
    assert error_code(early) == "invalid_transition"
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    cases = [
        {"items": [{"variant_id": shop.variant_id(1)}]},
        {"items": [{"variant_id": shop.variant_id(0), "quantity": 2}]},
        {"items": [{"variant_id": shop.variant_id(0)}, {"variant_id": shop.variant_id(0)}]},
    ]
    for case in cases:
        response = await client.post(
            f"/orders/{order['id']}/returns", json=case, headers=buyer.headers
        )
        assert response.status_code == 400, case
        assert error_code(response) == "item_not_in_order"
    empty = await client.post(
        f"/orders/{order['id']}/returns", json={"items": []}, headers=buyer.headers
    )
    assert empty.status_code == 422


async def test_an_exchange_reserves_the_new_variant_and_charges_the_difference(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 2)])
    body = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    request = ok(
        await client.post(f"/orders/{order['id']}/exchanges", json=body, headers=buyer.headers),
        201,
    )
    assert (request["kind"], request["amount"]["amount"]) == ("exchange", 1000)
    assert request["lines"][0]["new_unit_price"]["amount"] == 3000
    assert await variant_stock(client, shop, shop.variant_id(1)) == (10, 2)
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert state["status"] == "exchange_requested"
    done = await complete(client, shop, request["id"])
    assert done["status"] == "exchanged"
    assert [(p["amount"]["amount"], p["purpose"]) for p in done["payments"]] == [
        (5000, "payment"),
        (1000, "exchange"),
    ]
    assert await variant_stock(client, shop, shop.variant_id(0)) == (10, 0)
    assert await variant_stock(client, shop, shop.variant_id(1)) == (8, 0)


async def test_an_exchange_for_a_cheaper_variant_refunds_the_difference(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 500)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    body = {
        "items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(2)}],
        "payment_method_id": gift,
    }
    request = ok(
        await client.post(f"/orders/{order['id']}/exchanges", json=body, headers=buyer.headers),
        201,
    )
    assert request["amount"]["amount"] == -500
    done = await complete(client, shop, request["id"])
    assert done["refunds"][0]["amount"]["amount"] == 500
    assert await gift_balance(client, buyer.headers, gift) == 1000


async def test_exchanges_stay_within_the_product_and_need_stock(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    other = await open_shop(client, container, stock=[5])
    buyer = await new_buyer(client)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    foreign = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": other.variant_id(0)}]}
    response = await client.post(
        f"/orders/{order['id']}/exchanges", json=foreign, headers=buyer.headers
    )
    assert response.status_code == 400
    assert error_code(response) == "invalid_exchange"
    same = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(0)}]}
    response = await client.post(
        f"/orders/{order['id']}/exchanges", json=same, headers=buyer.headers
    )
    assert error_code(response) == "invalid_exchange"
    patch = {"on_hand": 0}
    ok(
        await client.patch(
            f"/variants/{shop.variant_id(1)}", json=patch, headers=shop.admin.headers
        )
    )
    empty = {"items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}]}
    response = await client.post(
        f"/orders/{order['id']}/exchanges", json=empty, headers=buyer.headers
    )
    assert response.status_code == 409
    assert error_code(response) == "out_of_stock"
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert state["status"] == "delivered"


async def test_a_gift_card_must_cover_an_exchange_difference(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    gift = await add_gift_card(client, shop, buyer, 100)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    body = {
        "items": [{"variant_id": shop.variant_id(0), "new_variant_id": shop.variant_id(1)}],
        "payment_method_id": gift,
    }
    response = await client.post(
        f"/orders/{order['id']}/exchanges", json=body, headers=buyer.headers
    )
    assert response.status_code == 402
    assert error_code(response) == "insufficient_funds"
    assert await variant_stock(client, shop, shop.variant_id(1)) == (10, 0)


async def test_a_return_is_completed_once_and_only_by_staff(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    buyer = await new_buyer(client)
    order = await delivered_order(client, shop, buyer, [(shop.variant_id(0), 1)])
    body = {"items": [{"variant_id": shop.variant_id(0)}]}
    request = ok(
        await client.post(f"/orders/{order['id']}/returns", json=body, headers=buyer.headers), 201
    )
    url = f"/admin/returns/{request['id']}/complete"
    assert (await client.post(url, headers=buyer.headers)).status_code == 403
    await complete(client, shop, request["id"])
    again = await client.post(url, headers=shop.admin.headers)
    assert again.status_code == 409
    assert error_code(again) == "invalid_transition"
    state = ok(await client.get(f"/orders/{order['id']}", headers=buyer.headers))
    assert len(state["refunds"]) == 1
    missing = await client.post("/admin/returns/ret_missing/complete", headers=shop.admin.headers)
    assert missing.status_code == 404
    assert error_code(missing) == "return_not_found"
    second = await client.post(f"/orders/{order['id']}/returns", json=body, headers=buyer.headers)
    assert second.status_code == 409


async def test_return_requests_are_rate_limited_per_user(settings: Settings) -> None:
    limited_settings = settings.model_copy(update={"refund_requests_per_minute": 3})
    container = bootstrap(limited_settings)
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
            buyer, other = await new_buyer(client), await new_buyer(client)
            body = {"items": [{"variant_id": "var_x"}]}
            url = "/orders/ord_none/returns"
            codes = [
                (await client.post(url, json=body, headers=buyer.headers)).status_code
                for _ in range(4)
            ]
            assert codes == [404, 404, 404, 429]
            swap = {"items": [{"variant_id": "a", "new_variant_id": "b"}]}
            limited = await client.post(
                "/orders/ord_none/exchanges", json=swap, headers=buyer.headers
            )
            assert limited.status_code == 429
            assert error_code(limited) == "too_many_refund_requests"
            fresh = await client.post(url, json=body, headers=other.headers)
            assert fresh.status_code == 404
    finally:
        await container.aclose()
