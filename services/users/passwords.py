"""Password hashing behind a port (argon2id by default)."""

from __future__ import annotations

from typing import Protocol

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class PasswordHasher(Protocol):
    """Hashes passwords and checks them against stored hashes."""

    def hash(self, password: str) -> str:
        """A salted hash to store."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches ``password_hash``."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        ...


class Argon2PasswordHasher:
    """argon2id; ``fast=True`` uses the cheapest parameters so test suites stay quick."""

    def __init__(self, *, fast: bool = False) -> None:
        self._argon2 = Argon2(time_cost=1, memory_cost=8, parallelism=1) if fast else Argon2()

    def hash(self, password: str) -> str:
        """A salted argon2id hash (parameters are encoded in it)."""
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False for a wrong password or a corrupt hash."""
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the stored hash's parameters differ from this hasher's."""
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
