"""Catalog: public browsing and search; merchants and admins manage products, prices and stock.

Every price is integer minor units, in requests and responses alike: a search's
``max_price=10000`` is $100.00, as a response's ``{"amount": 10000, "currency": "USD",
"formatted": "$100.00"}`` is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile, status
from pydantic import TypeAdapter

from api.created import locate
from api.deps import CurrentUser, Paging, Services, Viewer
from api.http_cache import REVALIDATED, revalidated_json
from services.catalog.schemas import (
    MAX_PRICE_MINOR,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ImageOut,
    PriceChangeOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    PublicProductOut,
    PublicVariantOut,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from services.catalog.search import SearchPage, SearchQuery, SortOrder, parse_option_filters

router = APIRouter(tags=["catalog"])

ResourceId = Annotated[str, Path(min_length=1, max_length=40)]
MinorPrice = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_PRICE_MINOR,
        description="Minor units, as every price's amount: 10000 = $100.00",
    ),
]
_NO_CONTENT = status.HTTP_204_NO_CONTENT
_CATEGORIES = TypeAdapter(list[CategoryOut])
_PRICE_HISTORY = TypeAdapter(list[PriceChangeOut])


# The shop's hottest reads come first: FastAPI tries routes in order, twice per request.
# Public reads send JSON bytes with an ETag (api/http_cache.py); the catalog caches product and
# search pages as JSON, sent as they are rather than validated and serialised again.
@router.get("/products/{product_id}", response_model=PublicProductOut | ProductOut, **REVALIDATED)
async def get_product(
    container: Services, product_id: ResourceId, viewer: Viewer, request: Request
) -> Response:
    """A product with its variants, prices, stock, option values and images. Its merchant and
    admins (signed in) also get ``merchant_id``, ``external_id`` and each variant's ``on_hand``,
    ``reserved`` and ``external_id``."""
    return revalidated_json(request, await container.catalog.product_page_json(product_id, viewer))


@router.get("/products", response_model=SearchPage, **REVALIDATED)
async def search_products(
    container: Services,
    request: Request,
    paging: Paging,
    q: Annotated[str, Query(max_length=200, description="Words that must all match")] = "",
    category: Annotated[str | None, Query(max_length=100, description="Id or name")] = None,
    min_price: MinorPrice = None,
    max_price: MinorPrice = None,
    in_stock: Annotated[bool, Query(description="Only products that can ship now")] = False,
    sort: SortOrder = "relevance",
    option: Annotated[
        list[str],
        Query(max_length=10, description="Option filter name:value, repeatable (color:red)"),
    ] = [],  # noqa: B006  (FastAPI copies query defaults)
) -> Response:
    """Search active products by keywords, category, price range (minor units), stock and
    option values; ``facets`` counts categories, price bands and option values of all hits."""
    query = SearchQuery(
        text=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        sort=sort,
        page=paging,
        options=parse_option_filters(option),
    )
    return revalidated_json(request, await container.catalog.search_products_json(query))


@router.get("/categories", response_model=list[CategoryOut], **REVALIDATED)
async def list_categories(container: Services, request: Request) -> Response:
    """Every category by name, with its count of active products."""
    categories = await container.catalog.list_categories()
    return revalidated_json(request, _CATEGORIES.dump_json(categories))


@router.post("/categories", status_code=status.HTTP_201_CREATED)
async def create_category(
    container: Services, actor: CurrentUser, body: CategoryIn, response: Response
) -> CategoryOut:
    """Add a category (merchant or admin; 409 if the name is taken)."""
    category = await container.catalog.create_category(actor, body)
    locate(response, f"/categories/{category.id}")
    return category


@router.patch("/categories/{category_id}")
async def update_category(
    container: Services, actor: CurrentUser, category_id: ResourceId, body: CategoryPatch
) -> CategoryOut:
    """Rename a category or change its description (merchant or admin)."""
    return await container.catalog.update_category(actor, category_id, body)


@router.delete("/categories/{category_id}", status_code=_NO_CONTENT)
async def delete_category(
    container: Services, actor: CurrentUser, category_id: ResourceId
) -> Response:
    """Remove a category that no product uses (merchant or admin; 409 otherwise)."""
    await container.catalog.delete_category(actor, category_id)
    return Response(status_code=_NO_CONTENT)


@router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(
    container: Services, actor: CurrentUser, body: ProductIn, response: Response
) -> ProductOut:
    """Add a product with its variants, owned by the acting merchant (or admin)."""
    product = await container.catalog.create_product(actor, body)
    locate(response, f"/products/{product.id}")
    return product


@router.patch("/products/{product_id}")
async def update_product(
    container: Services, actor: CurrentUser, product_id: ResourceId, body: ProductPatch
) -> ProductOut:
    """Change a product you manage (``is_active: true`` restores a deleted one)."""
    return await container.catalog.update_product(actor, product_id, body)


@router.delete("/products/{product_id}", status_code=_NO_CONTENT)
async def delete_product(
    container: Services, actor: CurrentUser, product_id: ResourceId
) -> Response:
    """Hide a product you manage from the shop (orders keep referring to it)."""
    await container.catalog.delete_product(actor, product_id)
    return Response(status_code=_NO_CONTENT)


@router.post("/products/{product_id}/variants", status_code=status.HTTP_201_CREATED)
async def add_variant(
    container: Services,
    actor: CurrentUser,
    product_id: ResourceId,
    body: VariantIn,
    response: Response,
) -> VariantOut:
    """Add a variant (options, price in minor units, stock) to a product you manage."""
    variant = await container.catalog.add_variant(actor, product_id, body)
    locate(response, f"/variants/{variant.id}")
    return variant


@router.get("/variants/{variant_id}", response_model=PublicVariantOut | VariantOut, **REVALIDATED)
async def get_variant(
    container: Services, variant_id: ResourceId, viewer: Viewer, request: Request
) -> Response:
    """A variant with its current price and the units that can be bought; its merchant and
    admins also get ``on_hand``, ``reserved`` and ``external_id``."""
    variant = await container.catalog.variant_for(variant_id, viewer)
    return revalidated_json(request, variant.model_dump_json().encode())


@router.patch("/variants/{variant_id}")
async def update_variant(
    container: Services, actor: CurrentUser, variant_id: ResourceId, body: VariantPatch
) -> VariantOut:
    """Change a variant: price (kept in its history), stock (set or adjust), availability."""
    return await container.catalog.update_variant(actor, variant_id, body)


@router.delete("/variants/{variant_id}", status_code=_NO_CONTENT)
async def delete_variant(
    container: Services, actor: CurrentUser, variant_id: ResourceId
) -> Response:
    """Hide a variant of a product you manage."""
    await container.catalog.delete_variant(actor, variant_id)
    return Response(status_code=_NO_CONTENT)


@router.get(
    "/variants/{variant_id}/price-history", response_model=list[PriceChangeOut], **REVALIDATED
)
async def price_history(container: Services, variant_id: ResourceId, request: Request) -> Response:
    """Every price the variant has had, version 1 first."""
    history = await container.catalog.get_price_history(variant_id)
    return revalidated_json(request, _PRICE_HISTORY.dump_json(history))


@router.post("/products/{product_id}/images", status_code=status.HTTP_201_CREATED)
async def upload_image(
    container: Services,
    actor: CurrentUser,
    product_id: ResourceId,
    file: Annotated[UploadFile, File(description="A JPEG or PNG image")],
    response: Response,
) -> ImageOut:
    """Upload a JPEG or PNG image of a product you manage (413 if too large, 415 otherwise)."""
    # One byte over the limit is enough to refuse it; the rest is never read into memory.
    data = await file.read(container.settings.image_max_bytes + 1)
    image = await container.catalog.add_image(actor, product_id, data)
    # The image's own URL is where its bytes are served (outside the API prefix).
    response.headers["Location"] = image.url
    return image


@router.delete("/products/{product_id}/images/{image_id}", status_code=_NO_CONTENT)
async def delete_image(
    container: Services, actor: CurrentUser, product_id: ResourceId, image_id: ResourceId
) -> Response:
    """Remove an image of a product you manage."""
    await container.catalog.delete_image(actor, product_id, image_id)
    return Response(status_code=_NO_CONTENT)


media_router = APIRouter(tags=["media"])

_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


@media_router.get("/{key:path}", response_class=Response)
async def get_media(container: Services, key: str) -> Response:
    """An uploaded file by its storage key (product images)."""
    data = await container.storage.get(key)
    media_type = _MEDIA_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
    # Keys are never reused (a new upload gets a new id), so the bytes can be cached for good.
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content=data, media_type=media_type, headers=headers)
