"""A shopper's whole visit in a real browser: sign in, ask, add from a card, order, pay, see it.

Screenshots of each step are saved as ``test-artifacts/browser/NN-step.png``.
"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from services.seed.demo import DEMO_SHOPPER
from tests.e2e.browser.conftest import Screens, ShopServer


def _say(page: Page, text: str) -> None:
    box = page.get_by_label("Message to the assistant")
    box.fill(text)
    box.press("Enter")


def _turn_finished(page: Page) -> None:
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false")


def test_shopper_signs_in_finds_adds_orders_pays_and_sees_the_order(
    page: Page, screens: Screens, shop_server: ShopServer
) -> None:
    expect(page.get_by_role("heading", name="Shop by chatting")).to_be_visible()
    sign_in = page.get_by_role("tabpanel", name="Sign in")
    expect(sign_in.get_by_label("Email")).to_be_focused()
    screens.shot("sign-in")

    sign_in.get_by_label("Email").fill(DEMO_SHOPPER.email)
    sign_in.get_by_label("Password").fill(DEMO_SHOPPER.password)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("I'm DomTok's shopping assistant")).to_be_visible()
    expect(page.locator("#cart-body")).to_contain_text("Your cart is empty")
    screens.shot("signed-in")

    _say(page, "search hiking boots")
    card = page.locator(".product-card", has_text="Hiking Boots")
    expect(card.get_by_role("button", name="Add to cart")).to_be_enabled()
    expect(card.locator(".stock")).to_contain_text(re.compile(r"in stock|left"))
    _turn_finished(page)
    screens.shot("search-results")

    card.get_by_label("Size").select_option("10")
    chosen = card.locator(".price").inner_text()
    card.get_by_role("button", name="Add to cart").click()
    cart = page.locator("#cart-body")
    expect(cart).to_contain_text("Hiking Boots")
    expect(cart).to_contain_text("size: 10")
    expect(cart.locator(".total")).to_contain_text(chosen)
    screens.shot("added-to-cart")

    cart.get_by_role("button", name="Check out").click()
    order_card = page.locator(".confirm-card").last
    expect(order_card).to_contain_text("Place an order from the cart")
    expect(order_card).to_contain_text("Hiking Boots")
    expect(order_card).to_contain_text(chosen)
    expect(order_card).to_contain_text("Ship to")
    _turn_finished(page)
    screens.shot("order-confirmation")

    order_card.get_by_role("button", name="Approve").click()
    expect(order_card).to_contain_text("You approved this")
    pay_chip = page.get_by_role("button", name=re.compile(r"^Pay order ord_\w+ now$"))
    expect(pay_chip).to_be_visible()
    expect(cart).to_contain_text("Your cart is empty")
    _turn_finished(page)
    screens.shot("order-placed")

    order_id = pay_chip.get_attribute("data-order-id") or ""
    assert order_id.startswith("ord_")
    pay_chip.click()
    pay_card = page.locator(".confirm-card").last
    expect(pay_card).to_contain_text("Pay the order")
    expect(pay_card).to_contain_text(order_id)
    expect(pay_card).to_contain_text(chosen)
    _turn_finished(page)
    screens.shot("payment-confirmation")

    pay_card.get_by_role("button", name="Approve").click()
    expect(page.locator(".msg.assistant").last).to_contain_text("paid")
    _turn_finished(page)
    screens.shot("paid")

    page.get_by_role("button", name="View my orders").last.click()
    order = page.locator(".order-card", has_text=order_id)
    expect(order.locator(".badge")).to_have_text("Paid")
    expect(order).to_contain_text("1 × Hiking Boots")
    expect(page.locator("#toast")).to_be_hidden(timeout=6000)
    screens.shot("order-history")

    assert _order_status(shop_server, order_id) == "paid"


def _order_status(server: ShopServer, order_id: str) -> str:
    login = {"email": DEMO_SHOPPER.email, "password": DEMO_SHOPPER.password}
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as http:
        tokens = http.post("/auth/login", json=login).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        order = http.get(f"/orders/{order_id}", headers=headers)
        assert order.status_code == 200, order.text
        return str(order.json()["status"])
