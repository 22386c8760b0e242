"""``/docs`` in a browser that can reach nothing but the API: Swagger UI still draws the API."""

from __future__ import annotations

from playwright.sync_api import Browser, Route

from tests.e2e.browser.conftest import ARTIFACTS, ShopServer


def test_docs_render_every_operation_without_internet(
    browser: Browser, shop_server: ShopServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    elsewhere: list[str] = []

    def only_the_api(route: Route) -> None:
        if route.request.url.startswith(shop_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_api)
    page = context.new_page()
    try:
        page.goto(shop_server.url + "/docs")
        page.locator("#operations-catalog-get_product").wait_for(state="visible")
        page.locator("#operations-orders-place_order").wait_for(state="visible")
        assert page.locator(".opblock-tag-section").count() >= 10
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    finally:
        context.close()
    assert elsewhere == []
