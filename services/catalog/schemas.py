"""What the catalog takes in and gives out (API bodies and the agent's tool results).

Prices are integer minor units (``{"amount": 1999, "currency": "USD"}`` is $19.99).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.kernel.money import MoneyOut

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

MAX_OPTIONS = 10
MAX_STOCK = 1_000_000
MAX_PRICE_MINOR = 100_000_000
MAX_SEARCH_TERMS_LENGTH = 500
# Terms are separated by whitespace or commas and semicolons (Latin or Chinese, and 、).
_TERM_SEPARATORS = re.compile(r"[\s,;，；、]+")


def normalise_search_terms(text: str) -> str:
    """Search terms one space apart (search matches whole terms); refuses over 500 characters."""
    clean = " ".join(term for term in _TERM_SEPARATORS.split(text) if term)
    if len(clean) > MAX_SEARCH_TERMS_LENGTH:
        raise ValueError(f"search_terms holds at most {MAX_SEARCH_TERMS_LENGTH} characters")
    return clean


# Raw input may carry extra separators; the limit that counts is on the normalised text.
SearchTerms = Annotated[
    str,
    StringConstraints(max_length=4 * MAX_SEARCH_TERMS_LENGTH),
    AfterValidator(normalise_search_terms),
]


def normalise_options(options: dict[str, Any]) -> dict[str, str]:
    """Attribute names trimmed and lower-cased, values trimmed; refuses empty or long entries."""
    if len(options) > MAX_OPTIONS:
        raise ValueError(f"at most {MAX_OPTIONS} options")
    clean: dict[str, str] = {}
    for raw_name, raw_value in options.items():
        name, value = str(raw_name).strip().lower(), str(raw_value).strip()
        if not 1 <= len(name) <= 40 or not 1 <= len(value) <= 60:
            raise ValueError("option names need 1-40 characters and values 1-60")
        if name in clean:
            raise ValueError(f"option {name!r} given twice")
        clean[name] = value
    return clean


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryIn(_Body):
    """A new category."""

    name: Name
    description: Description = ""


class CategoryPatch(_Body):
    """Fields of a category to change."""

    name: Name | None = None
    description: Description | None = None


class PriceIn(_Body):
    """A price in minor units; the currency defaults to the shop's."""

    amount: int = Field(ge=0, le=MAX_PRICE_MINOR, description="Minor units, e.g. 1999 = $19.99")
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class VariantIn(_Body):
    """A new variant (SKU) of a product."""

    options: dict[str, str] = Field(default_factory=dict, description="e.g. {'color': 'blue'}")
    price: PriceIn
    on_hand: int = Field(default=0, ge=0, le=MAX_STOCK)
    is_available: bool = True

    @field_validator("options")
    @classmethod
    def _clean_options(cls, value: dict[str, str]) -> dict[str, str]:
        return normalise_options(value)


class VariantPatch(_Body):
    """Changes to a variant: a new price (recorded in its history), stock set or adjusted."""

    options: dict[str, str] | None = None
    price: PriceIn | None = None
    on_hand: int | None = Field(default=None, ge=0, le=MAX_STOCK, description="Set stock")
    stock_delta: int | None = Field(
        default=None, ge=-MAX_STOCK, le=MAX_STOCK, description="Adjust stock by this many units"
    )
    is_available: bool | None = None

    @field_validator("options")
    @classmethod
    def _clean_options(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else normalise_options(value)

    @model_validator(mode="after")
    def _one_stock_change(self) -> VariantPatch:
        if self.on_hand is not None and self.stock_delta is not None:
            raise ValueError("give on_hand (set) or stock_delta (adjust), not both")
        return self


class ProductIn(_Body):
    """A new product, optionally with its variants."""

    name: ProductName
    description: Description = ""
    search_terms: SearchTerms = Field(
        default="", description="Other words to find it by, any language: '瑜伽垫 yoga mats'"
    )
    category_id: Id
    variants: list[VariantIn] = Field(default_factory=list, max_length=100)


class ProductPatch(_Body):
    """Fields of a product to change (``is_active: true`` restores a deleted product)."""

    name: ProductName | None = None
    description: Description | None = None
    search_terms: SearchTerms | None = None
    category_id: Id | None = None
    is_active: bool | None = None


class CategoryOut(BaseModel):
    """A category and how many active products it holds."""

    id: str
    name: str
    description: str
    product_count: int = 0


class CategoryRef(BaseModel):
    """A category as products mention it."""

    id: str
    name: str


class PublicVariantOut(BaseModel):
    """A variant with its current price and what can be bought, as anyone sees it."""

    id: str
    product_id: str
    options: dict[str, str]
    price: MoneyOut
    price_version: int
    available: int = Field(description="Units that can still be bought (on hand - reserved)")
    is_available: bool
    in_stock: bool


class VariantOut(PublicVariantOut):
    """A variant with its stock figures, as its merchant and admins see it."""

    on_hand: int
    reserved: int
    external_id: str | None = None


class ImageOut(BaseModel):
    """An uploaded product image and where to fetch it."""

    id: str
    url: str
    content_type: str
    size_bytes: int
    position: int


class PublicProductOut(BaseModel):
    """A product with its variants, the option values on offer, and its images."""

    id: str
    name: str
    description: str
    search_terms: str = ""
    category: CategoryRef
    is_active: bool
    in_stock: bool
    min_price: MoneyOut | None
    max_price: MoneyOut | None
    options: dict[str, list[str]]
    # A Sequence, so ProductOut may narrow it to its own variants.
    variants: Sequence[PublicVariantOut]
    images: list[ImageOut]
    created_at: datetime
    updated_at: datetime


class ProductOut(PublicProductOut):
    """A product page with its owner, source ids and stock figures (its merchant and admins;
    the agent's tools read it for the shopper and leave the stock figures out)."""

    variants: list[VariantOut]
    merchant_id: str | None
    external_id: str | None = None


class ProductSummary(BaseModel):
    """A search hit: enough to list a product without its variants."""

    id: str
    name: str
    category: CategoryRef
    min_price: MoneyOut | None
    max_price: MoneyOut | None
    currency: str
    in_stock: bool
    variant_count: int
    options: dict[str, list[str]] = Field(
        description="Option values on offer, e.g. {'color': ['blue', 'red']}"
    )


class PriceChangeOut(BaseModel):
    """One version of a variant's price."""

    version: int
    price: MoneyOut
    changed_at: datetime
