"""Saved payment methods: card tokenisation, gift card redemption, PayPal, removal, ownership."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from services.kernel.actor import Actor
from services.payments.errors import CardExpired, InvalidCard
from services.users.errors import (
    GiftCardAlreadyRedeemed,
    GiftCardNotFound,
    PaymentMethodNotFound,
    UnsupportedCurrency,
)
from services.users.models import GiftCard, PaymentMethod
from services.users.payment_schemas import CardIn, GiftCardIssueIn, PaymentMethodIn
from tests.unit.users.conftest import Harness

NUMBER = "4242424242424242"
CVC = "987"
_parse = TypeAdapter(PaymentMethodIn).validate_python


def _card(number: str = "4242 4242 4242 4242", exp_month: int = 12, exp_year: int = 2030) -> CardIn:
    body = {"type": "card", "number": number, "exp_month": exp_month, "exp_year": exp_year}
    return CardIn.model_validate({**body, "cvc": CVC})


async def _gift_card(harness: Harness, amount: int = 5000) -> str:
    admin = await harness.register(role="admin")
    card = await harness.service.issue_gift_card(admin, GiftCardIssueIn(amount=amount))
    return card.code


async def test_card_is_tokenised_and_only_brand_last4_and_token_are_kept(
    harness: Harness,
) -> None:
    actor = await harness.register()
    method = await harness.service.add_payment_method(actor, _card())
    assert (method.kind, method.label, method.brand, method.last4) == (
        "card",
        "Visa ending 4242",
        "Visa",
        "4242",
    )
    stored = harness.store.tables[PaymentMethod][method.id]
    assert stored.provider_token
    assert stored.provider_token.startswith("tok_")
    stored_text = repr(
        {attr.key: getattr(stored, attr.key) for attr in stored.__mapper__.column_attrs}
    )
    assert NUMBER not in stored_text
    assert CVC not in stored_text.replace(stored.provider_token, "")
    assert NUMBER not in method.model_dump_json()


def test_card_input_hides_number_and_cvc_in_repr() -> None:
    text = repr(_card())
    assert NUMBER[:12] not in text
    assert CVC not in text


async def test_card_failing_luhn_is_refused_and_nothing_is_stored(harness: Harness) -> None:
    actor = await harness.register()
    with pytest.raises(InvalidCard):
        await harness.service.add_payment_method(actor, _card("4242 4242 4242 4241"))
    assert harness.store.rows(PaymentMethod) == []


async def test_expired_card_is_refused(harness: Harness) -> None:
    actor = await harness.register()
    with pytest.raises(CardExpired):
        await harness.service.add_payment_method(actor, _card(exp_month=12, exp_year=2025))


@pytest.mark.parametrize(
    "body",
    [
        {"type": "card", "number": "4242", "exp_month": 1, "exp_year": 2030, "cvc": "123"},
        {"type": "card", "number": NUMBER, "exp_month": 13, "exp_year": 2030, "cvc": "123"},
        {"type": "card", "number": NUMBER, "exp_month": 1, "exp_year": 2030, "cvc": "12345"},
        {"type": "bitcoin", "address": "x"},
        {"type": "paypal", "email": "not-an-email"},
        {"type": "gift_card", "code": "x"},
    ],
)
def test_malformed_payment_methods_fail_validation(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _parse(body)


async def test_gift_card_redeems_once_and_shows_its_balance(harness: Harness) -> None:
    code = await _gift_card(harness, 5000)
    actor = await harness.register()
    method = await harness.service.add_payment_method(
        actor, _parse({"type": "gift_card", "code": f" {code.lower()} "})
    )
    assert method.kind == "gift_card"
    assert method.label == "Gift card (balance $50.00)"
    assert method.balance is not None
    assert method.balance.amount == 5000
    thief = await harness.register()
    with pytest.raises(GiftCardAlreadyRedeemed):
        await harness.service.add_payment_method(thief, _parse({"type": "gift_card", "code": code}))
    with pytest.raises(GiftCardAlreadyRedeemed):
        await harness.service.add_payment_method(actor, _parse({"type": "gift_card", "code": code}))


async def test_gift_card_label_follows_the_balance(harness: Harness) -> None:
    code = await _gift_card(harness, 5000)
    actor = await harness.register()
    method = await harness.service.add_payment_method(
        actor, _parse({"type": "gift_card", "code": code})
    )
    card = harness.store.tables[GiftCard][
        harness.store.tables[PaymentMethod][method.id].gift_card_id
    ]
    card.balance_minor = 1234
    [listed] = await harness.service.list_payment_methods(actor)
    assert listed.label == "Gift card (balance $12.34)"


async def test_unknown_gift_card_code_is_not_found(harness: Harness) -> None:
    actor = await harness.register()
    with pytest.raises(GiftCardNotFound):
        await harness.service.add_payment_method(
            actor, _parse({"type": "gift_card", "code": "GC-NOPE"})
        )


async def test_gift_cards_are_issued_in_the_shop_currency_only(harness: Harness) -> None:
    admin = await harness.register(role="admin")
    card = await harness.service.issue_gift_card(admin, GiftCardIssueIn(amount=100, currency="usd"))
    assert card.balance.currency == "USD"
    assert card.code.startswith("GC-")
    assert not card.redeemed
    with pytest.raises(UnsupportedCurrency):
        await harness.service.issue_gift_card(admin, GiftCardIssueIn(amount=100, currency="EUR"))


async def test_issued_gift_card_event_does_not_carry_the_code(harness: Harness) -> None:
    code = await _gift_card(harness)
    [event] = [e for e in harness.store.events if e.type == "gift_card.issued"]
    assert code not in repr(event)


async def test_paypal_account_is_labelled_with_its_email(harness: Harness) -> None:
    actor = await harness.register()
    method = await harness.service.add_payment_method(
        actor, _parse({"type": "paypal", "email": "Ann@Example.com"})
    )
    assert (method.kind, method.label, method.email) == (
        "paypal",
        "PayPal ann@example.com",
        "ann@example.com",
    )


async def test_removed_method_is_no_longer_listed_or_chargeable(harness: Harness) -> None:
    actor = await harness.register()
    method = await harness.service.add_payment_method(actor, _card())
    await harness.service.remove_payment_method(actor, method.id)
    assert await harness.service.list_payment_methods(actor) == []
    with pytest.raises(PaymentMethodNotFound):
        await harness.service.get_payment_method(actor, method.id)
    with pytest.raises(PaymentMethodNotFound):
        await harness.service.remove_payment_method(actor, method.id)


async def test_get_payment_method_returns_what_payments_charge(harness: Harness) -> None:
    actor = await harness.register()
    card = await harness.service.add_payment_method(actor, _card())
    code = await _gift_card(harness, 700)
    gift = await harness.service.add_payment_method(
        actor, _parse({"type": "gift_card", "code": code})
    )
    card_instrument = await harness.service.get_payment_method(actor, card.id)
    gift_instrument = await harness.service.get_payment_method(actor, gift.id)
    assert card_instrument.provider_token
    charge = await harness.gateway.charge(card_instrument.provider_token, 100, "USD", "k")
    assert charge.amount_minor == 100
    assert gift_instrument.gift_card_id
    assert gift_instrument.balance is not None
    assert gift_instrument.balance.amount == 700


async def test_another_users_payment_method_is_not_found(harness: Harness) -> None:
    owner = await harness.register()
    other: Actor = await harness.register()
    method = await harness.service.add_payment_method(owner, _card())
    with pytest.raises(PaymentMethodNotFound):
        await harness.service.get_payment_method(other, method.id)
    with pytest.raises(PaymentMethodNotFound):
        await harness.service.remove_payment_method(other, method.id)
    assert await harness.service.list_payment_methods(other) == []
