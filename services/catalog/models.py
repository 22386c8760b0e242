"""Tables of the catalog context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.kernel.db import Base, Timestamps


class Category(Base, Timestamps):
    """A product category with a unique name."""

    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Product(Base, Timestamps):
    """A product (DomTok SPU) owned by a merchant; buyable through its variants."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Other words shoppers search for it by, in any language ("瑜伽垫 yoga mats"), one space apart.
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    category_id: Mapped[str] = mapped_column(ForeignKey("categories.id"), index=True)
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.id", lazy="raise"
    )


class Variant(Base, Timestamps):
    """A buyable variant (DomTok SKU): option values, price, and stock.

    ``reserved`` counts units held by orders not yet shipped; available = on_hand - reserved.
    """

    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_stock"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    price_version: Mapped[int] = mapped_column(Integer, default=1)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    # Deleting a variant only hides it: order lines and carts keep pointing at it.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)

    product: Mapped[Product] = relationship(back_populates="variants", lazy="raise")

    @property
    def available(self) -> int:
        """Units that can still be reserved."""
        return max(self.on_hand - self.reserved, 0)


class PriceChange(Base):
    """One version of a variant's price; version 1 is the initial price."""

    __tablename__ = "price_history"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    variant_id: Mapped[str] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    changed_by: Mapped[str | None] = mapped_column(String(40), default=None)
    changed_at: Mapped[datetime]

    # Declared so the unit of work inserts a new variant before its first price row.
    variant: Mapped[Variant] = relationship(lazy="raise")


class ProductImage(Base):
    """An uploaded image of a product, kept by the storage adapter under ``storage_key``."""

    __tablename__ = "product_images"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(30))
    size_bytes: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class ProductEmbedding(Base):
    """A product's text embedded by one model, for hybrid search (``DOMTOK_SEARCH_VECTORS``).

    ``vector`` holds little-endian float32 values, unit length; ``source_updated_at`` is the
    later of the product's and its category's ``updated_at`` when it was made, so a newer one
    on either marks the embedding stale.
    """

    __tablename__ = "product_embeddings"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    source_updated_at: Mapped[datetime]
