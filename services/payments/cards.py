"""Card number rules every provider applies: digits, Luhn checksum, brand, expiry, security code."""

from __future__ import annotations

import re
from datetime import datetime

from services.payments.errors import CardExpired, InvalidCard

_SEPARATORS = re.compile(r"[ -]")
# ASCII only: str.isdigit() would also accept superscripts and other scripts' digits.
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")


def card_digits(number: str) -> str:
    """The number without spaces or dashes; refuses anything that is not 12-19 digits."""
    digits = _SEPARATORS.sub("", number)
    if not _CARD_NUMBER.fullmatch(digits):
        raise InvalidCard("The card number must be 12 to 19 digits.")
    if not luhn_valid(digits):
        raise InvalidCard("The card number is not valid (checksum failed).")
    return digits


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` pass the Luhn checksum that every card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    """The card network from the number's prefix ("Card" when unknown)."""
    two, four = int(digits[:2]), int(digits[:4])
    if two in (34, 37):
        return "American Express"
    if four == 6011 or two == 65:
        return "Discover"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "Mastercard"
    if digits.startswith("4"):
        return "Visa"
    return "Card"


def check_security_code(cvc: str, brand: str) -> None:
    """American Express codes have 4 digits, the others 3."""
    length = 4 if brand == "American Express" else 3
    if not re.fullmatch(f"[0-9]{{{length}}}", cvc):
        raise InvalidCard(f"The security code must be {length} digits.")


def check_expiry(exp_month: int, exp_year: int, now: datetime) -> None:
    """A card is valid through the last day of its expiry month."""
    if not 1 <= exp_month <= 12:
        raise InvalidCard("The expiry month must be between 1 and 12.")
    if (exp_year, exp_month) < (now.year, now.month):
        raise CardExpired(f"The card expired in {exp_month:02d}/{exp_year}.")
