"""Tables of the orders context: orders, their lines, and return/exchange requests."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.kernel.db import Base, Timestamps
from services.orders.state_machine import OrderStatus


class ReturnKind(enum.StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=30,
        values_callable=lambda k: [m.value for m in k],
    )


class Order(Base, Timestamps):
    """An order: snapshotted prices and address, stored totals, and its place in the lifecycle.

    ``version`` makes concurrent status changes fail loudly instead of overwriting each other.
    """

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal_minor >= 0", name="subtotal_not_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
        CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        Index("ix_orders_user_status", "user_id", "status"),
        Index("ix_orders_status_expires", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    shipping_minor: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(Integer)
    address_id: Mapped[str | None] = mapped_column(
        ForeignKey("addresses.id", ondelete="SET NULL"), default=None
    )
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    coupon_code: Mapped[str | None] = mapped_column(String(40), default=None)
    user_coupon_id: Mapped[str | None] = mapped_column(String(40), default=None)
    payment_method_id: Mapped[str | None] = mapped_column(String(40), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    # As long as the reason an API or agent call may give (orders.schemas.Reason).
    cancel_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    tracking_id: Mapped[str | None] = mapped_column(String(100), default=None)
    # Set once items were swapped for other variants (τ-bench's "pending (item modified)").
    items_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}


class OrderLine(Base):
    """One variant on an order, with the product name, options and unit price at order time."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    variant_id: Mapped[str] = mapped_column(ForeignKey("variants.id"), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[str] = mapped_column(String(40))
    product_name: Mapped[str] = mapped_column(String(200))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")

    @property
    def total_minor(self) -> int:
        """Unit price times quantity."""
        return self.unit_price_minor * self.quantity


class ReturnRequest(Base, Timestamps):
    """A return or exchange of items of a delivered order, completed by an admin.

    ``amount_minor`` is what moves when it completes: the refund of a return, or for an
    exchange the price difference (positive: the customer pays, negative: they get it back).
    """

    __tablename__ = "order_returns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReturnKind] = mapped_column(_enum(ReturnKind, "return_kind"))
    status: Mapped[ReturnStatus] = mapped_column(_enum(ReturnStatus, "return_status"))
    payment_method_id: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500), default="")
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_by: Mapped[str | None] = mapped_column(String(40), default=None)

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="request", order_by="ReturnLine.id", lazy="raise"
    )


class ReturnLine(Base):
    """Units of one order line sent back, and for an exchange the variant sent instead."""

    __tablename__ = "order_return_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    return_id: Mapped[str] = mapped_column(
        ForeignKey("order_returns.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[str] = mapped_column(ForeignKey("order_lines.id"))
    variant_id: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    new_variant_id: Mapped[str | None] = mapped_column(ForeignKey("variants.id"), default=None)
    new_unit_price_minor: Mapped[int | None] = mapped_column(Integer, default=None)

    request: Mapped[ReturnRequest] = relationship(back_populates="lines", lazy="raise")
