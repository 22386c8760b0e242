"""Card data typed into the chat never reaches the model, the conversation store or the logs.

Shoppers paste card numbers and security codes into chats. Saving a card goes through the
payment-methods API (tokenised at once); a chat message keeps only the last four digits of a
card number (a Luhn-valid run of 13-19 digits, spaces or dashes allowed) and no security code
that follows a CVC/CVV label.
"""

from __future__ import annotations

import re

_CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
_CVC = re.compile(
    r"(?i)\b(cvc2?|cvv2?|cid|csc|security\s+code)(\s*(?:is\b|:|=|-)?\s*)(\d{3,4})(?!\d)"
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check of card numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not luhn_valid(digits):
        return match.group(0)
    return f"[card ending {digits[-4:]}]"


def redact_card_data(text: str) -> str:
    """``text`` with card numbers cut to their last four digits and security codes removed."""
    masked = _CARD.sub(_mask_card, text)
    return _CVC.sub(lambda m: f"{m.group(1)}{m.group(2)}[removed]", masked)
