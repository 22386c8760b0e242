"""kill -9 of a real API process in the middle of concurrent checkouts (SQLite data dir).

After each restart: every order the API acknowledged is there; no order is partial (each has
its lines, totals that add up, and its ``order.created`` event); stock is consistent (for every
variant, ``reserved`` equals the units of its unshipped orders and nothing is oversold); paid
orders have exactly one successful charge and no charge exists without a paid order; and the
restarted API takes new checkouts. The long variant repeats the kill several times.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from services.bootstrap import bootstrap
from services.catalog.schemas import CategoryIn, PriceIn, ProductIn, VariantIn
from services.kernel.actor import Actor
from services.migrate import upgrade_async
from services.users.payment_schemas import CardIn
from services.users.schemas import AddressIn, RegisterIn
from tests.reliability.conftest import long_or
from tests.reliability.server import ApiServer
from tests.reliability.world_template import world_settings

BUYERS = 6
STOCK = 10_000
PASSWORD = "correct-horse-42"
CARD = "4242424242424242"
CYCLES = long_or(1, 5)
JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


@dataclass
class Buyer:
    """A customer of the faulted shop."""

    email: str
    address_id: str = ""
    card_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Shop:
    """What the checkouts buy and who buys it."""

    variant_ids: list[str]
    buyers: list[Buyer]
    acknowledged: set[str] = field(default_factory=set)
    paid: set[str] = field(default_factory=set)
    cut: int = 0


async def seed(data_dir: Path, url: str) -> Shop:
    """A merchant's product with two variants, and buyers with an address and a card."""
    container = bootstrap(world_settings(data_dir, url))
    try:
        merchant = await container.users.create_user(
            RegisterIn(email="m@example.com", password=PASSWORD, name="M"),  # type: ignore[arg-type]
            role="merchant",
        )
        staff = Actor(merchant.id, "merchant")
        category = await container.catalog.create_category(staff, CategoryIn(name="Shoes"))
        product = await container.catalog.create_product(
            staff,
            ProductIn(
                name="Runner",
                category_id=category.id,
                variants=[
                    VariantIn(options={"size": s}, price=PriceIn(amount=2500), on_hand=STOCK)
                    for s in ("M", "L")
                ],
            ),
        )
        buyers = []
        for n in range(BUYERS):
            email = f"buyer{n}@example.com"
            user = await container.users.create_user(
                RegisterIn(email=email, password=PASSWORD, name=f"B{n}")  # type: ignore[arg-type]
            )
            actor = Actor(user.id, "customer")
            address = await container.users.add_address(
                actor, AddressIn(recipient="B", line1="1 St", city="C", zip="1", country="US")
            )
            card = await container.users.add_payment_method(
                actor,
                CardIn(
                    type="card", number="4242424242424242", exp_month=12, exp_year=2099, cvc="123"
                ),  # type: ignore[arg-type]
            )
            buyers.append(Buyer(email, address.id, card.id))
        return Shop([v.id for v in product.variants], buyers)
    finally:
        await container.aclose()


async def sign_in(http: httpx.AsyncClient, shop: Shop) -> None:
    """Fresh tokens for every buyer (the server's revocations survive restarts anyway)."""
    for buyer in shop.buyers:
        response = await http.post("/auth/login", json={"email": buyer.email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        buyer.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}


async def checkout(http: httpx.AsyncClient, shop: Shop, buyer: Buyer, rng: random.Random) -> None:
    """Place an order of one or two variants and, every other time, pay it."""
    chosen = rng.sample(shop.variant_ids, rng.choice((1, 2)))
    items = [{"variant_id": v, "quantity": rng.randint(1, 3)} for v in chosen]
    body = {"address_id": buyer.address_id, "items": items}
    placed = await http.post("/orders", json=body, headers=buyer.headers)
    if placed.status_code != 201:
        return
    order_id = placed.json()["id"]
    shop.acknowledged.add(order_id)
    if rng.random() < 0.5:
        return
    token = await http.post(f"/orders/{order_id}/payment-token", headers=buyer.headers)
    if token.status_code != 201:
        return
    pay = {"payment_method_id": buyer.card_id, "payment_token": token.json()["payment_token"]}
    headers = {**buyer.headers, "Idempotency-Key": secrets.token_hex(8)}
    paid = await http.post(f"/orders/{order_id}/pay", json=pay, headers=headers)
    if paid.status_code == 200:
        shop.paid.add(order_id)


async def shoppers(http: httpx.AsyncClient, shop: Shop, stop: asyncio.Event) -> None:
    """One loop per buyer, checking out until the server dies under them."""

    async def loop(buyer: Buyer, seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                await checkout(http, shop, buyer, rng)
            except httpx.HTTPError:
                shop.cut += 1
                return

    await asyncio.gather(*(loop(buyer, n) for n, buyer in enumerate(shop.buyers)))


async def kill_during_checkouts(server: ApiServer, shop: Shop, after_orders: int) -> None:
    """Run the shoppers and SIGKILL the server once ``after_orders`` more were acknowledged."""
    stop = asyncio.Event()
    target = len(shop.acknowledged) + after_orders
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await sign_in(http, shop)
        running = asyncio.create_task(shoppers(http, shop, stop))
        while len(shop.acknowledged) < target and not running.done():
            await asyncio.sleep(0.02)
        server.kill()
        stop.set()
        with contextlib.suppress(httpx.HTTPError):
            await asyncio.wait_for(running, timeout=60)


ORDERS_SQL = """
SELECT o.id, o.status, o.subtotal_minor, o.discount_minor, o.shipping_minor, o.total_minor,
       COUNT(l.id) AS lines, COALESCE(SUM(l.quantity * l.unit_price_minor), 0) AS line_sum
FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id
GROUP BY o.id, o.status, o.subtotal_minor, o.discount_minor, o.shipping_minor, o.total_minor
"""
HELD_SQL = """
SELECT l.variant_id, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE o.status IN ('pending_payment', 'paid') GROUP BY l.variant_id
"""
STOCK_SQL = "SELECT id, on_hand, reserved FROM variants"
CREATED_SQL = "SELECT aggregate_id FROM outbox_events WHERE event_type = 'order.created'"
CHARGES_SQL = """
SELECT order_id, COUNT(*) FROM payment_ledger
WHERE kind = 'charge' AND status = 'succeeded' AND purpose = 'payment' GROUP BY order_id
"""


async def check_consistency(data_dir: Path, url: str, shop: Shop) -> dict[str, int]:
    """The invariants, read straight from the database; returns counts for the report."""
    container = bootstrap(world_settings(data_dir, url))
    try:
        async with container.engine.connect() as db:
            orders = {row.id: row for row in await db.execute(text(ORDERS_SQL))}
            held = {row[0]: row[1] for row in await db.execute(text(HELD_SQL))}
            stock = {row.id: row for row in await db.execute(text(STOCK_SQL))}
            created = {row[0] for row in await db.execute(text(CREATED_SQL))}
            charged = {row[0]: row[1] for row in await db.execute(text(CHARGES_SQL))}
    finally:
        await container.aclose()
    lost = shop.acknowledged - set(orders)
    assert not lost, f"acknowledged orders lost after the kill: {sorted(lost)}"
    for order in orders.values():
        assert order.lines >= 1, f"order {order.id} has no lines"
        assert order.subtotal_minor == order.line_sum, f"order {order.id}: lines do not add up"
        total = order.subtotal_minor - order.discount_minor + order.shipping_minor
        assert order.total_minor == total, f"order {order.id}: total does not add up"
    assert set(orders) <= created, f"orders without order.created: {set(orders) - created}"
    for variant_id, row in stock.items():
        assert row.reserved == held.get(variant_id, 0), f"{variant_id}: {row.reserved} reserved"
        assert row.on_hand == STOCK, f"{variant_id}: on_hand changed to {row.on_hand}"
        assert 0 <= row.reserved <= row.on_hand
    for order_id, count in charged.items():
        assert count == 1, f"order {order_id} was charged {count} times"
        assert orders[order_id].status == "paid", f"order {order_id} charged but not paid"
    paid = {order.id for order in orders.values() if order.status == "paid"}
    assert paid == set(charged), "a paid order has no charge"
    assert shop.paid <= paid, "a payment the API confirmed is missing"
    return {"orders": len(orders), "paid": len(paid), "acknowledged": len(shop.acknowledged)}


@pytest.fixture
async def faulted(tmp_path: Path) -> AsyncIterator[tuple[ApiServer, Shop, str]]:
    """A seeded data directory and a server over it (stopped at the end, whatever happens)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'domtok.db'}"
    await upgrade_async(url)
    shop = await seed(tmp_path, url)
    server = ApiServer(tmp_path, url)
    try:
        yield server, shop, url
    finally:
        server.stop()


async def test_a_killed_api_leaves_no_partial_order_and_consistent_stock(
    faulted: tuple[ApiServer, Shop, str], tmp_path: Path
) -> None:
    server, shop, url = faulted
    for cycle in range(CYCLES):
        await asyncio.to_thread(server.start)
        cut = shop.cut
        await kill_during_checkouts(server, shop, after_orders=15 + 5 * cycle)
        assert shop.cut > cut, "no checkout was in flight when the server was killed"
        counts = await check_consistency(tmp_path, url, shop)
        assert counts["orders"] >= 15 * (cycle + 1)

    await asyncio.to_thread(server.start)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await sign_in(http, shop)
        before = len(shop.acknowledged)
        await checkout(http, shop, shop.buyers[0], random.Random(0))
        assert len(shop.acknowledged) == before + 1, "the restarted API refused a checkout"
        await leak_credentials_into_urls(http, shop)
    server.stop()
    await check_consistency(tmp_path, url, shop)
    log = server.log.read_text(errors="replace")
    assert "GET /api/v1/users/me" in log, "the access log is off: nothing to check"
    assert not JWT.search(log), "a JWT is in the server log"
    assert PASSWORD not in log
    assert "wrong-password" not in log


async def leak_credentials_into_urls(http: httpx.AsyncClient, shop: Shop) -> None:
    """Requests whose URLs carry a token (the chat WebSocket accepts ``?token=``): the server's
    access log must not keep it, nor a password sent in a failed login."""
    buyer = shop.buyers[0]
    token = buyer.headers["Authorization"].removeprefix("Bearer ")
    await http.get("/users/me", params={"token": token}, headers=buyer.headers)
    await http.get("/chat/threads", params={"access_token": token})
    await http.post("/auth/login", json={"email": buyer.email, "password": "wrong-password"})
