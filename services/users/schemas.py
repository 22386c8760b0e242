"""What the users context takes in and gives out: accounts, tokens and addresses.

Secrets (passwords) are ``SecretStr`` so they never show in a repr or a log line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    SecretStr,
    StringConstraints,
    model_validator,
)

from services.users.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

RoleName = Literal["customer", "merchant", "admin"]
StatusName = Literal["active", "banned"]


def _text(min_length: int, max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


def _password_policy(password: SecretStr) -> SecretStr:
    length = len(password.get_secret_value())
    if not MIN_PASSWORD_LENGTH <= length <= MAX_PASSWORD_LENGTH:
        raise ValueError(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    return password


Password = Annotated[SecretStr, AfterValidator(_password_policy)]
Name = Annotated[str, _text(1, 100)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(_Body):
    """A new account: a valid email (unique, ignoring case), a password of 8-128 characters."""

    email: EmailStr
    password: Password
    name: Name


class LoginIn(_Body):
    """Email and password."""

    email: Annotated[str, _text(3, 254)]
    password: Annotated[SecretStr, StringConstraints(max_length=MAX_PASSWORD_LENGTH)]


class RefreshIn(_Body):
    """A refresh token to exchange for a new pair."""

    refresh_token: Annotated[str, _text(1, 4096)]


class LogoutIn(_Body):
    """Optionally the refresh token of the session, so it is revoked as well."""

    refresh_token: Annotated[str, _text(1, 4096)] | None = None


class TokenPair(BaseModel):
    """Tokens returned by login and refresh; ``expires_in`` is the access token's lifetime (s)."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserOut(BaseModel):
    """An account as its owner and admins see it."""

    id: str
    email: str
    name: str
    role: RoleName
    status: StatusName
    created_at: datetime


class RoleIn(_Body):
    """The role to give a user."""

    role: RoleName


Recipient = Annotated[str, _text(1, 100)]
Line = Annotated[str, _text(1, 200)]
OptionalLine = Annotated[str, _text(0, 200)]
City = Annotated[str, _text(1, 100)]
State = Annotated[str, _text(0, 100)]
Zip = Annotated[str, _text(1, 20)]
Country = Annotated[str, _text(2, 60)]


class AddressIn(_Body):
    """A new shipping address; the first one a user adds becomes the default."""

    recipient: Recipient
    line1: Line
    line2: OptionalLine = ""
    city: City
    state: State = ""
    zip: Zip
    country: Country
    is_default: bool = False


class AddressPatch(_Body):
    """Fields of an address to change; fields left out stay as they are."""

    recipient: Recipient | None = None
    line1: Line | None = None
    line2: OptionalLine | None = None
    city: City | None = None
    state: State | None = None
    zip: Zip | None = None
    country: Country | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> AddressPatch:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"fields cannot be null: {', '.join(sorted(nulls))}")
        return self

    def changes(self) -> dict[str, str]:
        """The fields the request set."""
        return self.model_dump(exclude_unset=True)


class AddressOut(BaseModel):
    """A saved address."""

    id: str
    recipient: str
    line1: str
    line2: str
    city: str
    state: str
    zip: str
    country: str
    is_default: bool
    created_at: datetime
