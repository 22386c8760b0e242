"""Saved payment methods and gift cards: what comes in and what goes out.

Card numbers and security codes are ``SecretStr``: they go to the payment provider once and
never show in a repr, a log line, a response or the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, StringConstraints

from services.kernel.money import MoneyOut

MAX_GIFT_CARD_MINOR = 100_000_00


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(_Body):
    """A card to tokenise: the number (spaces or dashes allowed), expiry and security code."""

    type: Literal["card"]
    number: Annotated[SecretStr, StringConstraints(min_length=12, max_length=23)]
    exp_month: Annotated[int, Field(ge=1, le=12)]
    exp_year: Annotated[int, Field(ge=2000, le=2100)]
    cvc: Annotated[SecretStr, StringConstraints(min_length=3, max_length=4)]


class GiftCardCodeIn(_Body):
    """A gift card code to redeem into the account."""

    type: Literal["gift_card"]
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40)]


class PayPalIn(_Body):
    """A PayPal account by its email."""

    type: Literal["paypal"]
    email: EmailStr


PaymentMethodIn = Annotated[CardIn | GiftCardCodeIn | PayPalIn, Field(discriminator="type")]

PaymentKindName = Literal["card", "gift_card", "paypal"]


class PaymentMethodOut(BaseModel):
    """A saved payment method as its owner sees it (never a card number)."""

    id: str
    kind: PaymentKindName
    label: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    email: str | None = None
    balance: MoneyOut | None = None
    created_at: datetime


class PaymentInstrument(BaseModel):
    """A payment method with what the payments context needs to charge it.

    ``provider_token`` charges a card through the gateway; ``gift_card_id`` is debited through
    the users repository; PayPal methods carry the account's email.
    """

    id: str
    user_id: str
    kind: PaymentKindName
    label: str
    provider_token: str | None = None
    gift_card_id: str | None = None
    paypal_email: str | None = None
    balance: MoneyOut | None = None


class GiftCardIssueIn(_Body):
    """A gift card's value in minor units (5000 is $50.00); the currency defaults to the shop's."""

    amount: Annotated[int, Field(ge=1, le=MAX_GIFT_CARD_MINOR)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None


class GiftCardOut(BaseModel):
    """An issued gift card; the code is what a shopper redeems."""

    id: str
    code: str
    balance: MoneyOut
    redeemed: bool
    created_at: datetime
