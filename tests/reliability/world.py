"""A small shop with one resource of every kind, owned by known users, built through the API.

``World`` is what the authorization matrix and the agent attacks act on: the *owner* (a
customer) has an address, a card, orders in every stage, a return, a cart line, a claimed coupon
and a chat thread waiting for a confirmation; merchant A owns the product; merchant B owns
another shop's product; *other* is a second customer; *banned* signed in and was then banned.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from agent.chat import ChatService
from agent.scripted import ReplayScript
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.db import Base
from tests.e2e.catalog_helpers import PASSWORD, SignedIn, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CARD_NUMBER = "4242 4242 4242 4242"
CARD_CVC = "739"
ADDRESS = {
    "recipient": "Olive Owner",
    "line1": "1 Main St",
    "city": "Springfield",
    "zip": "12345",
    "country": "US",
}


@dataclass
class Customer:
    """A signed-in customer with what they saved."""

    who: SignedIn
    email: str
    address_id: str = ""
    card_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth headers."""
        return self.who.headers

    @property
    def user_id(self) -> str:
        """The account id."""
        return self.who.user_id


@dataclass
class World:
    """Every id the matrix needs, and who owns it."""

    admin: SignedIn
    merchant_a: SignedIn
    merchant_b: SignedIn
    owner: Customer
    other: Customer
    banned: Customer
    category_id: str = ""
    product_id: str = ""
    variant_id: str = ""
    variant2_id: str = ""
    image_id: str = ""
    media_path: str = ""
    b_product_id: str = ""
    b_variant_id: str = ""
    coupon_code: str = ""
    pending_order_id: str = ""
    paid_order_id: str = ""
    shipped_order_id: str = ""
    delivered_order_id: str = ""
    returned_order_id: str = ""
    other_pending_order_id: str = ""
    other_delivered_order_id: str = ""
    return_id: str = ""
    payment_token: str = ""
    thread_id: str = ""
    confirmation_id: str = ""
    approval_id: str = ""


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body, asserting the status."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None


async def customer(client: httpx.AsyncClient, container: Container, card: bool = True) -> Customer:
    """A customer with an address and (optionally) a saved card."""
    who = await sign_in(client, container, "customer")
    me = ok(await client.get("/users/me", headers=who.headers))
    person = Customer(who, me["email"])
    address = ok(await client.post("/users/me/addresses", json=ADDRESS, headers=who.headers), 201)
    person.address_id = address["id"]
    if card:
        body = {
            "type": "card",
            "number": CARD_NUMBER,
            "exp_month": 12,
            "exp_year": 2099,
            "cvc": CARD_CVC,
        }
        method = ok(
            await client.post("/users/me/payment-methods", json=body, headers=who.headers), 201
        )
        person.card_id = method["id"]
    return person


async def _product(
    client: httpx.AsyncClient, merchant: SignedIn, category_id: str, name: str
) -> dict[str, Any]:
    variants = [
        {"options": {"size": size}, "price": {"amount": 2500}, "on_hand": 50} for size in ("M", "L")
    ]
    body = {"name": name, "category_id": category_id, "variants": variants}
    return dict(ok(await client.post("/products", json=body, headers=merchant.headers), 201))


async def place(client: httpx.AsyncClient, buyer: Customer, variant_id: str) -> str:
    """A pending order of one unit."""
    body = {"address_id": buyer.address_id, "items": [{"variant_id": variant_id, "quantity": 1}]}
    return str(ok(await client.post("/orders", json=body, headers=buyer.headers), 201)["id"])


async def pay(client: httpx.AsyncClient, buyer: Customer, order_id: str) -> None:
    """Pay the order with the buyer's card."""
    token = ok(await client.post(f"/orders/{order_id}/payment-token", headers=buyer.headers), 201)
    body = {"payment_method_id": buyer.card_id, "payment_token": token["payment_token"]}
    headers = {**buyer.headers, "Idempotency-Key": secrets.token_hex(8)}
    ok(await client.post(f"/orders/{order_id}/pay", json=body, headers=headers))


async def advance(client: httpx.AsyncClient, staff: SignedIn, order_id: str, to: str) -> None:
    """Ship, and deliver when ``to`` is ``delivered``."""
    body = {"tracking_id": "TRK-1"}
    ok(await client.post(f"/admin/orders/{order_id}/ship", json=body, headers=staff.headers))
    if to == "delivered":
        ok(await client.post(f"/admin/orders/{order_id}/deliver", headers=staff.headers))


async def build_world(
    client: httpx.AsyncClient, container: Container, chat: ChatService, script: ReplayScript
) -> World:
    """Create the users, catalog, orders, return, cart line, coupon and chat thread."""
    world = World(
        admin=await sign_in(client, container, "admin"),
        merchant_a=await sign_in(client, container, "merchant"),
        merchant_b=await sign_in(client, container, "merchant"),
        owner=await customer(client, container),
        other=await customer(client, container),
        banned=await customer(client, container),
    )
    await _catalog(client, world)
    await _orders(client, world)
    await _extras(client, world)
    await _thread(chat, container, script, world)
    # A COMMIT call an MCP client asked for, waiting for the owner's out-of-band answer.
    approval = await container.approvals.request(
        world.owner.user_id,
        "cancel_order",
        {"order_id": world.pending_order_id},
        {"action": "Cancel the order"},
    )
    world.approval_id = approval.id
    ok(await client.post(f"/admin/users/{world.banned.user_id}/ban", headers=world.admin.headers))
    return world


async def _catalog(client: httpx.AsyncClient, world: World) -> None:
    tag = secrets.token_hex(3)
    category = ok(
        await client.post(
            "/categories", json={"name": f"Shoes {tag}"}, headers=world.merchant_a.headers
        ),
        201,
    )
    world.category_id = category["id"]
    product = await _product(client, world.merchant_a, category["id"], f"Runner {tag}")
    world.product_id = product["id"]
    world.variant_id, world.variant2_id = (v["id"] for v in product["variants"])
    files = {"file": ("a.png", PNG, "image/png")}
    image = ok(
        await client.post(
            f"/products/{world.product_id}/images", files=files, headers=world.merchant_a.headers
        ),
        201,
    )
    world.image_id = image["id"]
    world.media_path = httpx.URL(image["url"]).path
    other_shop = await _product(client, world.merchant_b, category["id"], f"Other {tag}")
    world.b_product_id = other_shop["id"]
    world.b_variant_id = other_shop["variants"][0]["id"]


async def _orders(client: httpx.AsyncClient, world: World) -> None:
    owner, staff = world.owner, world.merchant_a
    world.pending_order_id = await place(client, owner, world.variant_id)
    world.paid_order_id = await place(client, owner, world.variant_id)
    await pay(client, owner, world.paid_order_id)
    world.shipped_order_id = await place(client, owner, world.variant_id)
    await pay(client, owner, world.shipped_order_id)
    await advance(client, staff, world.shipped_order_id, "shipped")
    world.delivered_order_id = await place(client, owner, world.variant_id)
    await pay(client, owner, world.delivered_order_id)
    await advance(client, staff, world.delivered_order_id, "delivered")
    world.returned_order_id = await place(client, owner, world.variant_id)
    await pay(client, owner, world.returned_order_id)
    await advance(client, staff, world.returned_order_id, "delivered")
    body = {"items": [{"variant_id": world.variant_id}]}
    created = ok(
        await client.post(
            f"/orders/{world.returned_order_id}/returns", json=body, headers=owner.headers
        ),
        201,
    )
    world.return_id = created["id"]
    token = ok(
        await client.post(f"/orders/{world.pending_order_id}/payment-token", headers=owner.headers),
        201,
    )
    world.payment_token = token["payment_token"]
    # The other customer's own orders: attacks pair them with the owner's address or card.
    world.other_pending_order_id = await place(client, world.other, world.variant_id)
    world.other_delivered_order_id = await place(client, world.other, world.variant_id)
    await pay(client, world.other, world.other_delivered_order_id)
    await advance(client, staff, world.other_delivered_order_id, "delivered")


async def _extras(client: httpx.AsyncClient, world: World) -> None:
    owner = world.owner
    item = {"variant_id": world.variant2_id, "quantity": 2}
    ok(await client.post("/cart/items", json=item, headers=owner.headers))
    world.coupon_code = f"SAVE{secrets.token_hex(3).upper()}"
    coupon = {
        "code": world.coupon_code,
        "kind": "amount_off",
        "amount_off": 100,
        "expires_at": "2099-01-01T00:00:00Z",
    }
    ok(await client.post("/coupons", json=coupon, headers=world.admin.headers), 201)


async def _thread(
    chat: ChatService, container: Container, script: ReplayScript, world: World
) -> None:
    """A thread of the owner's waiting for the confirmation of a cancellation."""
    script.steps[:] = [
        {"call": [{"name": "cancel_order", "args": {"order_id": world.pending_order_id}}]},
        {"say": "Understood."},
    ]
    actor = Actor(world.owner.user_id, "customer")
    run = await chat.start_message(actor, "cancel my order", None)
    response = await run.response()
    assert response.pending_confirmation is not None, response
    world.thread_id = response.thread_id
    world.confirmation_id = response.pending_confirmation.id


async def snapshot(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every shop table, sorted: equal snapshots mean nothing was written."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with container.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            result = await connection.execute(select(table))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows


__all__ = ["PASSWORD", "World", "build_world", "customer", "ok", "snapshot"]
