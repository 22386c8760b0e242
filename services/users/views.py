"""ORM rows to the schemas the API and the tools return."""

from __future__ import annotations

from services.kernel.money import MoneyOut, format_money
from services.users.models import Address, GiftCard, PaymentKind, PaymentMethod, User
from services.users.payment_schemas import GiftCardOut, PaymentInstrument, PaymentMethodOut
from services.users.schemas import AddressOut, UserOut


def user_out(user: User) -> UserOut:
    """A user without secrets."""
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        status=user.status.value,
        created_at=user.created_at,
    )


def address_out(address: Address) -> AddressOut:
    """A saved address."""
    return AddressOut(
        id=address.id,
        recipient=address.recipient,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        state=address.state,
        zip=address.zip,
        country=address.country,
        is_default=address.is_default,
        created_at=address.created_at,
    )


def card_label(brand: str, last4: str) -> str:
    """E.g. ``Visa ending 4242``."""
    return f"{brand} ending {last4}"


def paypal_label(email: str) -> str:
    """E.g. ``PayPal a@b.c``."""
    return f"PayPal {email}"


def payment_method_label(method: PaymentMethod, gift_card: GiftCard | None) -> str:
    """The stored label; a gift card's shows its current balance."""
    if method.kind is PaymentKind.GIFT_CARD and gift_card is not None:
        balance = format_money(gift_card.balance_minor, gift_card.currency)
        return f"Gift card (balance {balance})"
    return method.label


def payment_method_out(method: PaymentMethod, gift_card: GiftCard | None) -> PaymentMethodOut:
    """A saved payment method for its owner."""
    return PaymentMethodOut(
        id=method.id,
        kind=method.kind.value,
        label=payment_method_label(method, gift_card),
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        email=method.paypal_email,
        balance=_balance(gift_card),
        created_at=method.created_at,
    )


def payment_instrument(method: PaymentMethod, gift_card: GiftCard | None) -> PaymentInstrument:
    """A payment method with the references the payments context charges."""
    return PaymentInstrument(
        id=method.id,
        user_id=method.user_id,
        kind=method.kind.value,
        label=payment_method_label(method, gift_card),
        provider_token=method.provider_token,
        gift_card_id=method.gift_card_id,
        paypal_email=method.paypal_email,
        balance=_balance(gift_card),
    )


def gift_card_out(card: GiftCard) -> GiftCardOut:
    """An issued gift card with its code."""
    return GiftCardOut(
        id=card.id,
        code=card.code,
        balance=MoneyOut.of(card.balance_minor, card.currency),
        redeemed=card.redeemed_by is not None,
        created_at=card.created_at,
    )


def _balance(gift_card: GiftCard | None) -> MoneyOut | None:
    return None if gift_card is None else MoneyOut.of(gift_card.balance_minor, gift_card.currency)
