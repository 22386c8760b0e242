"""Helpers for order, payment, coupon and return API tests: a small shop and ready buyers."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.bootstrap import Container
from tests.e2e.accounts import Session, sign_in_as, sign_up

CARDS = {
    "ok": "4242 4242 4242 4242",
    "declined": "4000 0000 0000 0002",
    "no_funds": "4000 0000 0000 9995",
    "flaky": "4000 0000 0000 0119",
}
_names = itertools.count(1)


@dataclass
class Shop:
    """An admin and one product with variants; ``variants[i]`` is the variant's JSON."""

    admin: Session
    category_id: str
    product_id: str
    variants: list[dict[str, Any]]

    def variant_id(self, index: int = 0) -> str:
        """The id of the ``index``-th variant."""
        return str(self.variants[index]["id"])


@dataclass
class Buyer:
    """A signed-in customer with an address and saved payment methods by name."""

    session: Session
    address_id: str
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth headers."""
        return self.session.headers


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body, asserting the status."""
    assert response.status_code == status, response.text
    return response.json()


async def open_shop(
    client: httpx.AsyncClient,
    container: Container,
    stock: list[int] | None = None,
    prices: list[int] | None = None,
) -> Shop:
    """An admin, a category and a product whose variants have these stocks and prices."""
    stock = stock or [10, 10]
    prices = prices or [2500] * len(stock)
    admin = await sign_in_as(client, container, "admin")
    n = f"{next(_names)}-{secrets.token_hex(3)}"
    category = ok(
        await client.post("/categories", json={"name": f"Shoes {n}"}, headers=admin.headers), 201
    )
    variants = [
        {"options": {"size": str(40 + i)}, "price": {"amount": price}, "on_hand": units}
        for i, (units, price) in enumerate(zip(stock, prices, strict=True))
    ]
    body = {"name": f"Runner {n}", "category_id": category["id"], "variants": variants}
    product = ok(await client.post("/products", json=body, headers=admin.headers), 201)
    return Shop(admin, category["id"], product["id"], product["variants"])


async def new_buyer(client: httpx.AsyncClient, *cards: str) -> Buyer:
    """A customer with an address and the named test cards (``ok``, ``declined``...)."""
    session = await sign_up(client, "buyer")
    address = {
        "recipient": "Ada Buyer",
        "line1": "1 Main St",
        "city": "Springfield",
        "zip": "12345",
        "country": "US",
    }
    created = ok(
        await client.post("/users/me/addresses", json=address, headers=session.headers), 201
    )
    buyer = Buyer(session, created["id"])
    for name in cards or ("ok",):
        await add_card(client, buyer, name)
    return buyer


async def add_card(
    client: httpx.AsyncClient, buyer: Buyer, card: str, name: str | None = None
) -> str:
    """Save the test ``card`` under ``name`` (default: the card's); returns its method id."""
    number = CARDS[card]
    body = {"type": "card", "number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    method = ok(
        await client.post("/users/me/payment-methods", json=body, headers=buyer.headers), 201
    )
    buyer.methods[name or card] = method["id"]
    return str(method["id"])


async def add_gift_card(
    client: httpx.AsyncClient, shop: Shop, buyer: Buyer, amount: int, name: str = "gift"
) -> str:
    """An admin issues a gift card and the buyer redeems it; returns the payment method id."""
    card = ok(
        await client.post("/admin/gift-cards", json={"amount": amount}, headers=shop.admin.headers),
        201,
    )
    body = {"type": "gift_card", "code": card["code"]}
    method = ok(
        await client.post("/users/me/payment-methods", json=body, headers=buyer.headers), 201
    )
    buyer.methods[name] = method["id"]
    return str(method["id"])


async def place(
    client: httpx.AsyncClient,
    buyer: Buyer,
    items: list[tuple[str, int]],
    **extra: Any,
) -> httpx.Response:
    """POST /orders with explicit items."""
    body = {
        "address_id": buyer.address_id,
        "items": [{"variant_id": v, "quantity": q} for v, q in items],
        **extra,
    }
    return await client.post("/orders", json=body, headers=buyer.headers)


async def pay(
    client: httpx.AsyncClient,
    buyer: Buyer,
    order_id: str,
    method: str = "ok",
    key: str | None = None,
) -> httpx.Response:
    """Ask for a payment token, then pay with the named method."""
    token = ok(await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers), 201)
    body = {"payment_method_id": buyer.methods[method], "payment_token": token["payment_token"]}
    headers = {**buyer.headers, "Idempotency-Key": key or f"pay-{order_id}-{next(_names)}"}
    return await client.post(f"/orders/{order_id}/pay", json=body, headers=headers)


async def paid_order(
    client: httpx.AsyncClient, buyer: Buyer, items: list[tuple[str, int]], method: str = "ok"
) -> dict[str, Any]:
    """A placed and paid order."""
    order = ok(await place(client, buyer, items), 201)
    return dict(ok(await pay(client, buyer, order["id"], method)))


async def delivered_order(
    client: httpx.AsyncClient,
    shop: Shop,
    buyer: Buyer,
    items: list[tuple[str, int]],
    method: str = "ok",
) -> dict[str, Any]:
    """A placed, paid, shipped and delivered order."""
    order = await paid_order(client, buyer, items, method)
    return await ship_and_deliver(client, shop, order["id"])


async def ship_and_deliver(client: httpx.AsyncClient, shop: Shop, order_id: str) -> dict[str, Any]:
    """Staff ship and deliver a paid order."""
    admin = shop.admin.headers
    body = {"tracking_id": "TRK1"}
    ok(await client.post(f"/admin/orders/{order_id}/ship", json=body, headers=admin))
    return dict(ok(await client.post(f"/admin/orders/{order_id}/deliver", headers=admin)))


async def variant_stock(client: httpx.AsyncClient, shop: Shop, variant_id: str) -> tuple[int, int]:
    """(on_hand, reserved) of a variant as the catalog reports it to the shop's admin."""
    body = ok(await client.get(f"/variants/{variant_id}", headers=shop.admin.headers))
    return int(body["on_hand"]), int(body["reserved"])


async def gift_balance(client: httpx.AsyncClient, headers: dict[str, str], method_id: str) -> int:
    """The balance of a saved gift card, as the payment methods list shows it."""
    methods = ok(await client.get("/users/me/payment-methods", headers=headers))
    items = methods["items"] if isinstance(methods, dict) else methods
    (method,) = [m for m in items if m["id"] == method_id]
    return int(method["balance"]["amount"])
