"""Tables of the users context."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import Base, Timestamps


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    ADMIN = "admin"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    BANNED = "banned"


class PaymentKind(enum.StrEnum):
    CARD = "card"
    GIFT_CARD = "gift_card"
    PAYPAL = "paypal"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=20, values_callable=_values)


def _values(kind: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


class User(Base, Timestamps):
    """A shopper, merchant or admin."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), default=Role.CUSTOMER)
    status: Mapped[UserStatus] = mapped_column(
        _enum(UserStatus, "user_status"), default=UserStatus.ACTIVE
    )
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)


class Address(Base, Timestamps):
    """A shipping address owned by one user."""

    __tablename__ = "addresses"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(100))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100), default="")
    zip: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(60))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class GiftCard(Base, Timestamps):
    """A gift card issued by an admin; its balance is spent and refilled by payments."""

    __tablename__ = "gift_cards"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    balance_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    issued_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    redeemed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)


class PaymentMethod(Base, Timestamps):
    """A saved way to pay. Cards keep only brand, last four and the provider's token."""

    __tablename__ = "payment_methods"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(_enum(PaymentKind, "payment_kind"))
    label: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(30), default=None)
    last4: Mapped[str | None] = mapped_column(String(4), default=None)
    exp_month: Mapped[int | None] = mapped_column(Integer, default=None)
    exp_year: Mapped[int | None] = mapped_column(Integer, default=None)
    provider_token: Mapped[str | None] = mapped_column(String(80), default=None)
    paypal_email: Mapped[str | None] = mapped_column(String(254), default=None)
    gift_card_id: Mapped[str | None] = mapped_column(ForeignKey("gift_cards.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(80), index=True, default=None)


class RefreshToken(Base):
    """A refresh token (by its id); rotation links a family so reuse can revoke them all."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class RevokedAccessToken(Base):
    """An access token (by its ``jti``) refused until it would have expired anyway."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
