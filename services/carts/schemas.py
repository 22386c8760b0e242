"""What the cart takes in and gives out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kernel.money import MoneyOut

MIN_QUANTITY = 1
MAX_QUANTITY = 99

# Strict: lax mode would take ``true`` as 1 (and "2" or 2.0 as 2); a quantity is a JSON integer.
Quantity = Annotated[
    int, Field(strict=True, ge=MIN_QUANTITY, le=MAX_QUANTITY, description="1 to 99")
]


class CartItemIn(BaseModel):
    """A variant to put in the cart (added to the line if it is already there)."""

    model_config = ConfigDict(extra="forbid")

    variant_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]
    quantity: Quantity = 1


class CartQuantityIn(BaseModel):
    """The new quantity of a cart line."""

    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


class CartLineOut(BaseModel):
    """One cart line priced at the variant's current price, with what blocks buying it."""

    variant_id: str
    product_id: str
    product_name: str
    options: dict[str, str]
    quantity: int
    unit_price: MoneyOut
    line_total: MoneyOut
    available: int = Field(description="Units in stock right now")
    unavailable: bool = Field(description="The product or variant is no longer sold")
    short_of_stock: bool = Field(description="Fewer units in stock than the quantity")
    added_at: datetime


class CartOut(BaseModel):
    """The user's cart."""

    lines: list[CartLineOut]
    item_count: int = Field(description="Units across all lines")
    total: MoneyOut = Field(description="Sum of the lines still sold (unavailable ones excluded)")
    has_issues: bool = Field(description="Some line is unavailable or short of stock")
