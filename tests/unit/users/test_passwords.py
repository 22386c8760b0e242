"""Password policy (8-128 characters) and argon2 hashing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.users.passwords import Argon2PasswordHasher
from services.users.schemas import LoginIn, RegisterIn


def _register(password: str, email: str = "a@example.com", name: str = "Ann") -> RegisterIn:
    return RegisterIn(email=email, password=password, name=name)


@pytest.mark.parametrize("password", ["", "1234567", "x" * 129])
def test_passwords_outside_8_to_128_characters_are_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="8 to 128 characters"):
        _register(password)


@pytest.mark.parametrize("password", ["12345678", "x" * 128, "pässwörd-ünicode"])
def test_passwords_of_8_to_128_characters_are_accepted(password: str) -> None:
    assert _register(password).password.get_secret_value() == password


def test_password_never_shows_in_repr() -> None:
    data = _register("super-secret-1")
    assert "super-secret-1" not in repr(data)
    assert "super-secret-1" not in str(LoginIn(email="a@example.com", password="super-secret-1"))


@pytest.mark.parametrize("email", ["not-an-email", "a@", "a@localhost", "a@b.test"])
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        _register("12345678", email=email)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_name_must_have_1_to_100_characters(name: str) -> None:
    with pytest.raises(ValidationError):
        _register("12345678", name=name)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        RegisterIn(email="a@example.com", password="12345678", name="A", role="admin")  # type: ignore[call-arg]


def test_argon2_hash_verifies_only_the_right_password() -> None:
    hasher = Argon2PasswordHasher(fast=True)
    stored = hasher.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert hasher.verify(stored, "correct horse")
    assert not hasher.verify(stored, "wrong horse")


def test_same_password_hashes_differently_each_time() -> None:
    hasher = Argon2PasswordHasher(fast=True)
    assert hasher.hash("correct horse") != hasher.hash("correct horse")


def test_corrupt_hash_does_not_verify() -> None:
    assert not Argon2PasswordHasher(fast=True).verify("not-a-hash", "anything")


def test_fast_hashes_need_rehash_under_production_parameters() -> None:
    fast_hash = Argon2PasswordHasher(fast=True).hash("correct horse")
    assert Argon2PasswordHasher().needs_rehash(fast_hash)
    assert not Argon2PasswordHasher(fast=True).needs_rehash(fast_hash)
