"""Catalog tools: search products, read a product with its variants, list categories."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.catalog.schemas import CategoryOut, ProductOut
from services.catalog.search import SearchPage, SearchQuery, SortOrder
from services.kernel.money import to_minor
from services.kernel.pagination import PageRequest
from tools.base import ShopRuntime, ShopTool, ToolKind, context_of, shop_tool

ProductId = Annotated[str, Field(min_length=1, max_length=40, description="A product id (prd_...)")]
Price = Annotated[float, Field(ge=0, le=1_000_000, description="In major units, e.g. 49.99")]


@shop_tool(ToolKind.READ)
async def search_products(
    runtime: ShopRuntime,
    query: Annotated[str, Field(max_length=200, description="Keywords, e.g. 'ukulele'")] = "",
    category: Annotated[
        str | None, Field(max_length=100, description="Category name or id to filter on")
    ] = None,
    min_price: Price | None = None,
    max_price: Price | None = None,
    in_stock: Annotated[bool, Field(description="Only products that can be bought now")] = False,
    sort: SortOrder = "relevance",
    page: Annotated[int, Field(ge=1, le=1000)] = 1,
    options: Annotated[
        dict[str, str] | None,
        Field(description="Option values to require, e.g. {'color': 'red', 'size': 'M'}"),
    ] = None,
) -> SearchPage:
    """Search the catalog by keywords, category, price range, stock and option values. Returns
    products with their price range and the option values on offer (e.g. sizes, colours), 10 per
    page, and facets (counts per category, price band and option value) to narrow the search;
    use get_product for a product's variants and their ids."""
    context = context_of(runtime)
    currency = context.services.settings.currency
    search = SearchQuery(
        text=query,
        category=category,
        min_price=None if min_price is None else to_minor(min_price, currency),
        max_price=None if max_price is None else to_minor(max_price, currency),
        in_stock=in_stock,
        sort=sort,
        page=PageRequest(page=page, page_size=10),
        options=options,
    )
    return await context.services.catalog.search_products(search)


@shop_tool(ToolKind.READ)
async def get_product(runtime: ShopRuntime, product_id: ProductId) -> ProductOut:
    """A product's details: description, and every variant with its id, options (e.g. size,
    colour), price and units available. Use the variant id to add to the cart."""
    return await context_of(runtime).services.catalog.get_product(product_id)


@shop_tool(ToolKind.READ)
async def list_categories(runtime: ShopRuntime) -> list[CategoryOut]:
    """Every product category with its number of products."""
    return await context_of(runtime).services.catalog.list_categories()


TOOLS: tuple[ShopTool, ...] = (search_products, get_product, list_categories)
