"""Money as integer minor units plus an ISO currency code; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

MINOR_UNITS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "JPY": 0}
SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥"}


def minor_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    return MINOR_UNITS.get(currency.upper(), 2)


def to_minor(amount: Decimal | str | int | float, currency: str = "USD") -> int:
    """Convert a major-unit amount ("12.34") to minor units (1234), rounding half up."""
    scale = Decimal(10) ** minor_exponent(currency)
    value = (Decimal(str(amount)) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def to_major(minor: int, currency: str = "USD") -> Decimal:
    """Convert minor units back to an exact Decimal in major units."""
    return Decimal(minor) / (Decimal(10) ** minor_exponent(currency))


def format_money(minor: int, currency: str = "USD") -> str:
    """Human text, e.g. ``$1,234.50``."""
    digits = minor_exponent(currency)
    sign = "-" if minor < 0 else ""
    major = to_major(abs(minor), currency)
    symbol = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    return f"{sign}{symbol}{major:,.{digits}f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency."""

    amount: int
    currency: str = "USD"

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        """The amount multiplied by a whole quantity."""
        return Money(self.amount * quantity, self.currency)

    def percent(self, percent: int) -> Money:
        """``percent`` % of the amount, rounded half up to a minor unit."""
        value = (Decimal(self.amount) * Decimal(percent) / Decimal(100)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return Money(int(value), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def formatted(self) -> str:
        """Human text, e.g. ``$12.34``."""
        return format_money(self.amount, self.currency)


class MoneyOut(BaseModel):
    """Money as the API and the tools show it."""

    amount: int
    currency: str
    formatted: str

    @classmethod
    def of(cls, amount: int, currency: str) -> MoneyOut:
        """Build from minor units and a currency code."""
        return cls(amount=amount, currency=currency, formatted=format_money(amount, currency))
