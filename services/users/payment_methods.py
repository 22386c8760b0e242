"""Saved payment methods (cards, gift cards, PayPal) and issuing gift cards.

Cards are tokenised by the payment gateway before anything is stored: the shop keeps the brand,
the last four digits, the expiry and the provider's token, never the number or the security code.
"""

from __future__ import annotations

import secrets

from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id
from services.uow import ShopUnitOfWork
from services.users.base import UsersBase
from services.users.errors import (
    GiftCardAlreadyRedeemed,
    GiftCardNotFound,
    LimitReached,
    PaymentMethodNotFound,
    UnsupportedCurrency,
)
from services.users.models import GiftCard, PaymentKind, PaymentMethod
from services.users.payment_schemas import (
    CardIn,
    GiftCardCodeIn,
    GiftCardIssueIn,
    GiftCardOut,
    PaymentInstrument,
    PaymentMethodIn,
    PaymentMethodOut,
    PayPalIn,
)
from services.users.views import (
    card_label,
    gift_card_out,
    payment_instrument,
    payment_method_out,
    paypal_label,
)

MAX_PAYMENT_METHODS = 50
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_gift_card_code() -> str:
    """``GC-XXXX-XXXX-XXXX-XXXX``: 80 random bits, easy to read out and type."""
    groups = ("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(4))
    return "GC-" + "-".join(groups)


def normalize_gift_card_code(code: str) -> str:
    """Codes are matched ignoring case and surrounding or inner spaces."""
    return "".join(code.split()).upper()


class PaymentMethodCommands(UsersBase):
    """The actor's wallet; another user's payment method is a 404."""

    async def list_payment_methods(self, actor: Actor) -> list[PaymentMethodOut]:
        """The actor's active payment methods with labels and gift-card balances."""
        async with self._uow() as uow:
            methods = await uow.users.list_payment_methods(actor.user_id)
            cards = await uow.users.get_gift_cards(
                [method.gift_card_id for method in methods if method.gift_card_id]
            )
            return [
                payment_method_out(method, cards.get(method.gift_card_id or ""))
                for method in methods
            ]

    async def add_payment_method(self, actor: Actor, data: PaymentMethodIn) -> PaymentMethodOut:
        """Save a card (tokenised at once), redeem a gift card code, or link a PayPal account."""
        if isinstance(data, CardIn):
            return await self._add_card(actor, data)
        if isinstance(data, GiftCardCodeIn):
            return await self._redeem_gift_card(actor, data)
        return await self._add_paypal(actor, data)

    async def remove_payment_method(self, actor: Actor, method_id: str) -> None:
        """Deactivate a payment method; past orders keep referring to it."""
        async with self._uow() as uow:
            method = await self._owned_method(uow, actor, method_id)
            method.is_active = False
            method.updated_at = self._clock.now()
            await uow.commit()

    async def get_payment_method(self, actor: Actor, method_id: str) -> PaymentInstrument:
        """An active method of the actor with what is needed to charge it (404 otherwise)."""
        async with self._uow() as uow:
            method = await self._owned_method(uow, actor, method_id)
            card = (
                await uow.users.get_gift_card(method.gift_card_id) if method.gift_card_id else None
            )
            return payment_instrument(method, card)

    async def issue_gift_card(self, actor: Actor, data: GiftCardIssueIn) -> GiftCardOut:
        """Issue a gift card worth ``amount`` minor units; admins only."""
        actor.require_admin()
        currency = (data.currency or self._currency).upper()
        if currency != self._currency:
            raise UnsupportedCurrency(
                f"Gift cards are issued in {self._currency}.", details={"currency": currency}
            )
        async with self._uow() as uow:
            now = self._clock.now()
            card = GiftCard(
                id=new_id("gft"),
                code=new_gift_card_code(),
                balance_minor=data.amount,
                currency=currency,
                issued_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
            uow.users.add(card)
            # The code is a bearer secret: it stays out of the event.
            uow.emit(DomainEvent("gift_card.issued", card.id, {"amount": data.amount}))
            await uow.commit()
        return gift_card_out(card)

    async def _add_card(self, actor: Actor, data: CardIn) -> PaymentMethodOut:
        # The provider call happens before the transaction, so no lock is held while it runs.
        token = await self._gateway.tokenize_card(
            data.number.get_secret_value(),
            data.exp_month,
            data.exp_year,
            data.cvc.get_secret_value(),
        )
        method = self._new_method(actor, PaymentKind.CARD, card_label(token.brand, token.last4))
        method.brand = token.brand
        method.last4 = token.last4
        method.exp_month = data.exp_month
        method.exp_year = data.exp_year
        method.provider_token = token.token
        async with self._uow() as uow:
            return await self._save(uow, method, None)

    async def _add_paypal(self, actor: Actor, data: PayPalIn) -> PaymentMethodOut:
        email = data.email.lower()
        method = self._new_method(actor, PaymentKind.PAYPAL, paypal_label(email))
        method.paypal_email = email
        async with self._uow() as uow:
            return await self._save(uow, method, None)

    async def _redeem_gift_card(self, actor: Actor, data: GiftCardCodeIn) -> PaymentMethodOut:
        code = normalize_gift_card_code(data.code)
        async with self._uow() as uow:
            card = await uow.users.get_gift_card_by_code(code)
            if card is None:
                raise GiftCardNotFound("No gift card has this code.")
            if not await uow.users.redeem_gift_card(card.id, actor.user_id, self._clock.now()):
                raise GiftCardAlreadyRedeemed("This gift card has already been redeemed.")
            method = self._new_method(actor, PaymentKind.GIFT_CARD, "Gift card")
            method.gift_card_id = card.id
            return await self._save(uow, method, card)

    def _new_method(self, actor: Actor, kind: PaymentKind, label: str) -> PaymentMethod:
        now = self._clock.now()
        return PaymentMethod(
            id=new_id("pm"),
            user_id=actor.user_id,
            kind=kind,
            label=label,
            is_active=True,
            created_at=now,
            updated_at=now,
        )

    async def _save(
        self, uow: ShopUnitOfWork, method: PaymentMethod, gift_card: GiftCard | None
    ) -> PaymentMethodOut:
        if len(await uow.users.list_payment_methods(method.user_id)) >= MAX_PAYMENT_METHODS:
            raise LimitReached(
                f"An account can keep at most {MAX_PAYMENT_METHODS} payment methods."
            )
        uow.users.add(method)
        await uow.commit()
        return payment_method_out(method, gift_card)

    async def _owned_method(
        self, uow: ShopUnitOfWork, actor: Actor, method_id: str
    ) -> PaymentMethod:
        method = await uow.users.get_payment_method(actor.user_id, method_id)
        if method is None:
            raise PaymentMethodNotFound(
                "No such payment method.", details={"payment_method_id": method_id}
            )
        return method
