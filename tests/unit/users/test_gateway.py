"""The mock payment provider: validation at tokenisation, outcomes at charge time, idempotency."""

from __future__ import annotations

import pytest

from services.kernel.clock import FrozenClock
from services.kernel.errors import BadRequest
from services.payments.cards import card_brand, luhn_valid
from services.payments.errors import (
    CardDeclined,
    CardExpired,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidCard,
    PaymentProcessingError,
    RefundExceedsCharge,
    UnknownPaymentToken,
)
from services.payments.gateway import MockPaymentGateway

APPROVED = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
NO_FUNDS = "4000 0000 0000 9995"
TRANSIENT = "4000 0000 0000 0119"


@pytest.fixture
def gateway() -> MockPaymentGateway:
    return MockPaymentGateway(FrozenClock())


async def _token(gateway: MockPaymentGateway, number: str) -> str:
    card = await gateway.tokenize_card(number, 12, 2030, "123")
    return card.token


@pytest.mark.parametrize("number", [APPROVED, DECLINED, NO_FUNDS, TRANSIENT])
async def test_every_valid_test_number_tokenises(gateway: MockPaymentGateway, number: str) -> None:
    card = await gateway.tokenize_card(number, 12, 2030, "123")
    assert card.brand == "Visa"
    assert card.last4 == number[-4:]
    assert number.replace(" ", "") not in card.token


async def test_approved_card_charges(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    result = await gateway.charge(token, 1999, "USD", "key-1")
    assert result.charge_id.startswith("ch_")
    assert (result.amount_minor, result.currency) == (1999, "USD")


async def test_declined_card_raises_card_declined_with_402(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, DECLINED)
    with pytest.raises(CardDeclined) as caught:
        await gateway.charge(token, 1999, "USD", "key-1")
    assert caught.value.status_code == 402


async def test_no_funds_card_raises_insufficient_funds(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, NO_FUNDS)
    with pytest.raises(InsufficientFunds):
        await gateway.charge(token, 1999, "USD", "key-1")


async def test_transient_card_fails_first_attempt_then_succeeds_on_retry(
    gateway: MockPaymentGateway,
) -> None:
    token = await _token(gateway, TRANSIENT)
    with pytest.raises(PaymentProcessingError) as caught:
        await gateway.charge(token, 500, "USD", "key-1")
    assert caught.value.status_code == 503
    result = await gateway.charge(token, 500, "USD", "key-1")
    assert result.amount_minor == 500


async def test_transient_failure_count_is_configurable() -> None:
    gateway = MockPaymentGateway(FrozenClock(), transient_failures=2)
    token = await _token(gateway, TRANSIENT)
    for _ in range(2):
        with pytest.raises(PaymentProcessingError):
            await gateway.charge(token, 500, "USD", "key-1")
    assert (await gateway.charge(token, 500, "USD", "key-1")).amount_minor == 500


async def test_same_idempotency_key_never_captures_twice(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    first = await gateway.charge(token, 1999, "USD", "order-1")
    again = await gateway.charge(token, 1999, "USD", "order-1")
    other = await gateway.charge(token, 1999, "USD", "order-2")
    assert again == first
    assert other.charge_id != first.charge_id


async def test_idempotency_key_reused_for_another_amount_is_refused(
    gateway: MockPaymentGateway,
) -> None:
    token = await _token(gateway, APPROVED)
    await gateway.charge(token, 1999, "USD", "order-1")
    with pytest.raises(IdempotencyKeyReused):
        await gateway.charge(token, 2999, "USD", "order-1")


async def test_unknown_token_is_refused(gateway: MockPaymentGateway) -> None:
    with pytest.raises(UnknownPaymentToken):
        await gateway.charge("tok_forged", 100, "USD", "key-1")


async def test_non_positive_amount_is_refused(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    with pytest.raises(BadRequest):
        await gateway.charge(token, 0, "USD", "key-1")


async def test_refunds_never_exceed_the_charge(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    charge = await gateway.charge(token, 1000, "USD", "order-1")
    await gateway.refund(charge.charge_id, 600, "USD", "refund-1")
    with pytest.raises(RefundExceedsCharge):
        await gateway.refund(charge.charge_id, 500, "USD", "refund-2")
    rest = await gateway.refund(charge.charge_id, 400, "USD", "refund-3")
    assert rest.amount_minor == 400


async def test_refund_is_idempotent_per_key(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    charge = await gateway.charge(token, 1000, "USD", "order-1")
    first = await gateway.refund(charge.charge_id, 1000, "USD", "refund-1")
    again = await gateway.refund(charge.charge_id, 1000, "USD", "refund-1")
    assert again == first


async def test_refund_in_another_currency_is_refused(gateway: MockPaymentGateway) -> None:
    token = await _token(gateway, APPROVED)
    charge = await gateway.charge(token, 1000, "USD", "order-1")
    with pytest.raises(RefundExceedsCharge):
        await gateway.refund(charge.charge_id, 100, "EUR", "refund-1")


async def test_tokens_outlive_the_gateway_instance() -> None:
    clock = FrozenClock()
    token = await _token(MockPaymentGateway(clock), DECLINED)
    with pytest.raises(CardDeclined):
        await MockPaymentGateway(clock).charge(token, 100, "USD", "key-1")


async def test_number_failing_luhn_is_invalid(gateway: MockPaymentGateway) -> None:
    with pytest.raises(InvalidCard, match="checksum"):
        await gateway.tokenize_card("4242 4242 4242 4241", 12, 2030, "123")


@pytest.mark.parametrize(
    "number", ["4242", "4242-4242-abcd-4242", "４２４２４２４２４２４２４２４２"]
)
async def test_malformed_numbers_are_invalid(gateway: MockPaymentGateway, number: str) -> None:
    with pytest.raises(InvalidCard):
        await gateway.tokenize_card(number, 12, 2030, "123")


async def test_card_expired_last_month_is_refused(gateway: MockPaymentGateway) -> None:
    with pytest.raises(CardExpired):  # the clock stands at January 2026
        await gateway.tokenize_card(APPROVED, 12, 2025, "123")


async def test_card_expiring_this_month_is_accepted(gateway: MockPaymentGateway) -> None:
    card = await gateway.tokenize_card(APPROVED, 1, 2026, "123")
    assert card.last4 == "4242"


@pytest.mark.parametrize(
    ("number", "cvc"), [(APPROVED, "12"), (APPROVED, "1234"), (APPROVED, "12a")]
)
async def test_security_code_must_have_three_digits(
    gateway: MockPaymentGateway, number: str, cvc: str
) -> None:
    with pytest.raises(InvalidCard, match="security code"):
        await gateway.tokenize_card(number, 12, 2030, cvc)


async def test_american_express_needs_four_digit_code(gateway: MockPaymentGateway) -> None:
    card = await gateway.tokenize_card("3782 822463 10005", 12, 2030, "1234")
    assert (card.brand, card.last4) == ("American Express", "0005")
    with pytest.raises(InvalidCard):
        await gateway.tokenize_card("3782 822463 10005", 12, 2030, "123")


@pytest.mark.parametrize(
    ("digits", "brand"),
    [
        ("4242424242424242", "Visa"),
        ("5555555555554444", "Mastercard"),
        ("2223003122003222", "Mastercard"),
        ("378282246310005", "American Express"),
        ("6011111111111117", "Discover"),
        ("3056930009020004", "Card"),
    ],
)
def test_brand_is_read_from_the_prefix(digits: str, brand: str) -> None:
    assert luhn_valid(digits)
    assert card_brand(digits) == brand
