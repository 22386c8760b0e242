"""``GET /metrics``: Prometheus text with request latency by route template."""

from __future__ import annotations

import httpx

from services.bootstrap import Container


async def test_metrics_expose_request_latency_by_route_template(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert (await client.get("/products/prd_missing")).status_code == 404
    assert (await client.get("/products", params={"q": "x"})).status_code == 200
    response = await client.get("http://test/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'route="/api/v1/products/{product_id}",status="404"' in text
    assert (
        'domtok_http_request_duration_seconds_count{method="GET",route="/api/v1/products"' in text
    )
    assert "prd_missing" not in text  # ids never become label values
    for name in ("domtok_orders_created_total", "domtok_tool_calls_total", "domtok_outbox_pending"):
        assert name in text


async def test_product_search_keeps_its_contract_and_adds_facets(client: httpx.AsyncClient) -> None:
    body = (await client.get("/products", params={"option": "color:red"})).json()
    assert {"items", "total", "page", "page_size"} <= set(body)
    assert body["facets"] == {"categories": [], "price_ranges": [], "options": {}}


async def test_a_malformed_option_filter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/products", params={"option": "colour"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_search"
