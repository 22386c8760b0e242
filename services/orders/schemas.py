"""What the orders context takes in and gives out (API bodies and the agent's tool results)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kernel.money import MoneyOut
from services.payments.schemas import LedgerEntryOut

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
MAX_ITEMS = 50


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderItemIn(_Body):
    """A variant and how many units."""

    variant_id: Id
    quantity: int = Field(default=1, strict=True, ge=1, le=99)


class PlaceOrderIn(_Body):
    """A new order: explicit ``items``, chosen cart lines, or (neither) the whole cart."""

    address_id: Id
    items: list[OrderItemIn] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)
    cart_variant_ids: list[Id] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ITEMS,
        description="Order only these cart lines (they leave the cart)",
    )
    coupon_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = (
        None
    )
    apply_best_coupon: bool = Field(
        default=False, description="Apply the claimed coupon with the largest discount"
    )

    @model_validator(mode="after")
    def _one_source(self) -> PlaceOrderIn:
        if self.items is not None and self.cart_variant_ids is not None:
            raise ValueError("give items or cart_variant_ids, not both")
        if self.coupon_code and self.apply_best_coupon:
            raise ValueError("give coupon_code or apply_best_coupon, not both")
        return self


class SwapIn(_Body):
    """Replace every unit of a line's variant with another variant of the same product."""

    variant_id: Id
    new_variant_id: Id


class ModifyOrderIn(_Body):
    """Changes before shipping. With ``items``, ``payment_method_id`` pays or receives the price
    difference; without, it moves the order's payment to that method."""

    address_id: Id | None = None
    payment_method_id: Id | None = None
    items: list[SwapIn] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _something(self) -> ModifyOrderIn:
        if self.address_id is None and self.payment_method_id is None and self.items is None:
            raise ValueError("give address_id, payment_method_id or items")
        return self


class CancelIn(_Body):
    """Why the order is cancelled."""

    reason: Reason = ""


class ReturnItemIn(_Body):
    """Units of an ordered variant to send back (all of them when quantity is left out)."""

    variant_id: Id
    quantity: int | None = Field(default=None, strict=True, ge=1, le=99)


class ReturnIn(_Body):
    """Return items of a delivered order; refund to the original method or a gift card."""

    items: list[ReturnItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    payment_method_id: Id | None = Field(
        default=None, description="The original payment method or one of your gift cards"
    )
    reason: Reason = ""


class ExchangeItemIn(_Body):
    """Units of an ordered variant to exchange for another variant of the same product."""

    variant_id: Id
    new_variant_id: Id
    quantity: int | None = Field(default=None, strict=True, ge=1, le=99)


class ExchangeIn(_Body):
    """Exchange items of a delivered order; the price difference is settled on completion."""

    items: list[ExchangeItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    payment_method_id: Id | None = Field(
        default=None, description="Pays or receives the price difference (default: original)"
    )
    reason: Reason = ""


class ShipIn(_Body):
    """The carrier's tracking id."""

    tracking_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]


class OrderLineOut(BaseModel):
    """One ordered variant with the unit price snapshotted when the order was placed."""

    id: str
    variant_id: str
    product_id: str
    product_name: str
    options: dict[str, Any]
    unit_price: MoneyOut
    quantity: int
    line_total: MoneyOut


class ReturnLineOut(BaseModel):
    """Units sent back, and the replacement variant of an exchange."""

    variant_id: str
    quantity: int
    new_variant_id: str | None
    new_unit_price: MoneyOut | None


class ReturnOut(BaseModel):
    """A return or exchange request and what it moves when completed."""

    id: str
    order_id: str
    kind: str
    status: str
    payment_method_id: str
    amount: MoneyOut = Field(
        description="Return: the refund. Exchange: the difference (negative = refund)"
    )
    reason: str
    lines: list[ReturnLineOut]
    created_at: datetime
    completed_at: datetime | None


class OrderOut(BaseModel):
    """An order with its totals, address snapshot, payments, refunds and returns."""

    id: str
    user_id: str
    status: str
    lines: list[OrderLineOut]
    subtotal: MoneyOut
    discount: MoneyOut
    shipping: MoneyOut
    total: MoneyOut
    amount_paid: MoneyOut = Field(description="Charged minus refunded")
    coupon: str | None
    shipping_address: dict[str, Any]
    payment_method_id: str | None
    expires_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    tracking_id: str | None
    items_modified: bool = Field(
        default=False, description="Items were swapped for other variants after ordering"
    )
    payments: list[LedgerEntryOut]
    refunds: list[LedgerEntryOut]
    returns: list[ReturnOut]
    created_at: datetime
    updated_at: datetime
