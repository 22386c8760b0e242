"""Identifiers: short, time-ordered, prefixed strings (``ord_01HV...``)."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rest = divmod(value, 32)
        chars.append(_ALPHABET[rest])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id: prefix, then 10 chars of millisecond time and 8 random chars (40 bits)."""
    millis = int(time.time() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(40), 8)}"


def new_token(nbytes: int = 32) -> str:
    """An unguessable url-safe secret."""
    return secrets.token_urlsafe(nbytes)
