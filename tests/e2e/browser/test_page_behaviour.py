"""The page beyond the happy path: a new account, a reload mid-confirmation, a rejected
confirmation, token refresh, and a phone-sized screen."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import Screens, ShopServer, register_shopper, sign_in

_numbers = itertools.count(1)


def _email(prefix: str) -> str:
    return f"{prefix}{next(_numbers)}@browser.example.com"


def _say(page: Page, text: str) -> None:
    box = page.get_by_label("Message to the assistant")
    box.fill(text)
    box.press("Enter")


def _turn_finished(page: Page) -> None:
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false")


def test_a_new_shopper_registers_and_adds_an_address_and_paypal(page: Page) -> None:
    screens = Screens(page, "new-account")
    page.get_by_role("tab", name="Create account").click()
    form = page.get_by_role("tabpanel", name="Create account")
    form.get_by_label("Your name").fill("Nina Newcomer")
    form.get_by_label("Email").fill(_email("nina"))
    form.get_by_label("Password").fill("a long enough password")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Hi Nina! I'm DomTok's shopping assistant")).to_be_visible()
    expect(page.get_by_text("Before your first order, add a delivery address")).to_be_visible()
    screens.shot("welcome")

    page.get_by_role("button", name="Open Account").click()
    expect(page.get_by_text("No address yet: add one to check out.")).to_be_visible()
    address = page.get_by_role("form", name="Add an address")
    address.get_by_label("Recipient").fill("Nina Newcomer")
    address.get_by_label("Street and number").fill("5 Elm Road")
    address.get_by_label("City").fill("Springfield")
    address.get_by_label("Postcode").fill("12345")
    address.get_by_label("Country").fill("US")
    address.get_by_role("button", name="Add address").click()
    expect(page.locator("#account-body")).to_contain_text("Nina Newcomer, 5 Elm Road, Springfield")

    paypal = page.get_by_role("form", name="Add a PayPal account")
    paypal.get_by_label("PayPal email").fill("nina@paypal.example.com")
    paypal.get_by_role("button", name="Add PayPal").click()
    expect(page.locator("#account-body")).to_contain_text("nina@paypal.example.com")
    screens.shot("account")


def test_a_pending_confirmation_survives_a_reload_and_rejecting_changes_nothing(
    page: Page, shop_server: ShopServer
) -> None:
    screens = Screens(page, "reject")
    email = _email("robin")
    register_shopper(shop_server, email, with_address=True)
    sign_in(page, email)
    _say(page, "add t-shirt to my cart")
    expect(page.locator("#cart-body")).to_contain_text("T-Shirt")
    _turn_finished(page)
    _say(page, "checkout")
    expect(page.locator(".confirm-card")).to_contain_text("Place an order from the cart")
    _turn_finished(page)

    page.reload()
    card = page.locator(".confirm-card")
    expect(card).to_contain_text("T-Shirt")
    expect(page.locator(".msg.user", has_text="checkout")).to_be_visible()
    expect(page.locator("#cart-body")).to_contain_text("T-Shirt")
    expect(card.get_by_role("button", name="Reject")).to_be_in_viewport()
    screens.shot("restored-after-reload")

    card.get_by_role("button", name="Reject").click()
    expect(card).to_contain_text("You rejected this")
    expect(page.locator(".msg.assistant").last).to_contain_text("nothing changed")
    expect(page.locator("#cart-body")).to_contain_text("T-Shirt")
    _turn_finished(page)
    screens.shot("rejected")

    page.get_by_role("button", name="Orders", exact=True).click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()


def test_a_stale_access_token_is_refreshed_and_a_dead_session_signs_out(
    page: Page, shop_server: ShopServer
) -> None:
    email = _email("tess")
    register_shopper(shop_server, email, with_address=False)
    sign_in(page, email)
    page.evaluate(
        """() => {
            const session = JSON.parse(sessionStorage.getItem("domtok.session"));
            session.access = "expired.or.forged";
            sessionStorage.setItem("domtok.session", JSON.stringify(session));
        }"""
    )
    page.reload()
    expect(page.get_by_text("I'm DomTok's shopping assistant")).to_be_visible()
    page.get_by_role("button", name="Orders", exact=True).click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    renewed = page.evaluate("() => JSON.parse(sessionStorage.getItem('domtok.session')).access")
    assert renewed != "expired.or.forged"

    page.evaluate(
        """() => sessionStorage.setItem(
            "domtok.session", JSON.stringify({access: "forged", refresh: "forged"}))"""
    )
    page.reload()
    expect(page.get_by_role("heading", name="Shop by chatting")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")


def test_the_page_fits_a_phone_and_works_from_the_keyboard(
    page: Page, shop_server: ShopServer
) -> None:
    screens = Screens(page, "phone")
    page.set_viewport_size({"width": 390, "height": 844})
    email = _email("pat")
    register_shopper(shop_server, email, with_address=False)
    sign_in(page, email)
    _say(page, "search water bottle")
    add = page.locator(".product-card").first.get_by_role("button", name="Add to cart")
    expect(add).to_be_enabled()
    _turn_finished(page)
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cart-body")).to_contain_text("Water Bottle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal overflow: {width}"
    screens.shot("search")
    page.get_by_role("button", name="Cart", exact=False).first.click()
    expect(page.locator("#cart")).to_be_focused()
    screens.shot("cart")
