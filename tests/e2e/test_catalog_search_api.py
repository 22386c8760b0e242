"""GET /products: keywords, category, price range in major units, stock, sorting, pagination."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.bootstrap import Container
from tests.e2e.catalog_helpers import create_category, create_product, sign_in, variant
from tests.e2e.conftest import error_code


@pytest.fixture
async def catalog(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    """Five products in three categories; the shoe rack is out of stock."""
    merchant = await sign_in(client, container, "merchant")
    footwear = await create_category(client, merchant, "Footwear")
    kitchen = await create_category(client, merchant, "Kitchen")
    home = await create_category(client, merchant, "Home")
    products = {}
    for name, category, variants, description in (
        (
            "Running Shoes",
            footwear,
            [variant({"size": "9"}, 9000), variant({"size": "10"}, 12000)],
            "Light",
        ),
        ("Hiking Boots", footwear, [variant({"size": "10"}, 15000)], "Waterproof shoes for trails"),
        ("Coffee Maker", kitchen, [variant({"color": "black"}, 4999)], "Drip brewer"),
        ("Espresso Machine", kitchen, [variant({"color": "silver"}, 29999)], "Pump espresso"),
        ("Shoe Rack", home, [variant({"tiers": "3"}, 2500, on_hand=0)], "Holds running gear"),
    ):
        products[name] = await create_product(
            client, merchant, category["id"], name, variants, description
        )
    return {"products": products, "kitchen": kitchen}


async def names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/products", params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_every_keyword_must_match_somewhere(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    # Words are stemmed: the shoe rack ("Holds running gear") has "shoe" and "running" too.
    assert await names(client, q="running shoes") == ["Running Shoes", "Shoe Rack"]
    assert await names(client, q="running gear") == ["Shoe Rack"]
    assert await names(client, q="RUNNING boots") == []
    assert await names(client, q="footwear waterproof") == ["Hiking Boots"]


async def test_name_matches_rank_before_description_matches(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert await names(client, q="shoe") == ["Running Shoes", "Shoe Rack", "Hiking Boots"]


async def test_like_wildcards_in_keywords_are_literal(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert await names(client, q="_offee") == []
    assert await names(client, q="c_ffee") == []


async def test_category_filter_takes_a_name_or_an_id(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    by_name = await names(client, category="kitchen")
    by_id = await names(client, category=catalog["kitchen"]["id"])
    assert by_name == by_id == ["Coffee Maker", "Espresso Machine"]


async def test_price_range_is_in_minor_units(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert await names(client, min_price=10000, max_price=15000) == [
        "Hiking Boots",
        "Running Shoes",
    ]
    assert await names(client, max_price=4999) == ["Coffee Maker", "Shoe Rack"]


async def test_a_hits_price_amount_is_a_filter_bound_in_the_same_units(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    hits = (await client.get("/products", params={"sort": "price_asc"})).json()["items"]
    cheapest = hits[0]["min_price"]["amount"]
    assert await names(client, max_price=cheapest) == [hits[0]["name"]]
    assert await names(client, max_price=cheapest - 1) == []


async def test_in_stock_filter_drops_products_without_units(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    assert "Shoe Rack" not in await names(client, in_stock="true")
    assert len(await names(client, in_stock="true")) == 4


async def test_sort_orders(client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    assert await names(client, sort="price_asc") == [
        "Shoe Rack",
        "Coffee Maker",
        "Running Shoes",
        "Hiking Boots",
        "Espresso Machine",
    ]
    assert (await names(client, sort="price_desc"))[:2] == ["Espresso Machine", "Hiking Boots"]
    assert (await names(client, sort="newest"))[0] == "Shoe Rack"


async def test_pagination_reports_the_total(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    response = await client.get("/products", params={"page": 2, "page_size": 2})
    body = response.json()
    assert (body["total"], body["page"], body["page_size"]) == (5, 2, 2)
    assert [item["name"] for item in body["items"]] == ["Hiking Boots", "Running Shoes"]


async def test_summaries_carry_price_range_options_and_stock(
    client: httpx.AsyncClient, catalog: dict[str, Any]
) -> None:
    hit = (await client.get("/products", params={"q": "running shoes"})).json()["items"][0]
    assert hit["min_price"]["amount"] == 9000
    assert hit["max_price"]["formatted"] == "$120.00"
    assert (hit["variant_count"], hit["in_stock"], hit["currency"]) == (2, True, "USD")
    assert hit["options"] == {"size": ["9", "10"]}
    assert hit["category"]["name"] == "Footwear"


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "cheapest"},
        {"min_price": 10, "max_price": 5},
        {"min_price": -1},
        {"page_size": 0},
        {"page_size": 101},
        {"page": 0},
        {"max_price": "12.34"},
    ],
)
async def test_bad_search_parameters_are_422(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/products", params=params)
    assert response.status_code == 422
    assert error_code(response) in ("validation_error", "invalid_search")
