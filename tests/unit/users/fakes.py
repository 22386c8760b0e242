"""In-memory stand-ins for the users repository, unit of work and token revocations.

The fake unit of work snapshots the rows it touches and restores them when left without a
commit, so tests notice a service that forgets to commit (or commits too much).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from services.kernel.clock import Clock
from services.kernel.events import DomainEvent
from services.users.models import (
    Address,
    GiftCard,
    PaymentMethod,
    RefreshToken,
    RevokedAccessToken,
    User,
)

Row = User | RefreshToken | Address | PaymentMethod | GiftCard | RevokedAccessToken


class FakeStore:
    """The "database": one dict of rows per table, keyed by primary key."""

    def __init__(self) -> None:
        self.tables: dict[type, dict[str, Any]] = {
            User: {},
            RefreshToken: {},
            RevokedAccessToken: {},
            Address: {},
            PaymentMethod: {},
            GiftCard: {},
        }
        self.events: list[DomainEvent] = []

    def snapshot(self) -> dict[type, dict[str, tuple[Any, dict[str, Any]]]]:
        return {
            table: {key: (row, _attributes(row)) for key, row in rows.items()}
            for table, rows in self.tables.items()
        }

    def restore(self, snapshot: dict[type, dict[str, tuple[Any, dict[str, Any]]]]) -> None:
        for table, rows in snapshot.items():
            self.tables[table] = {}
            for key, (row, attributes) in rows.items():
                for name, value in attributes.items():
                    setattr(row, name, value)
                self.tables[table][key] = row

    def rows(self, table: type) -> list[Any]:
        return list(self.tables[table].values())


def _attributes(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in row.__mapper__.column_attrs}


def _key(row: Any) -> str:
    return str(row.jti if isinstance(row, RevokedAccessToken) else row.id)


class FakeUserRepository:
    """Same methods as :class:`services.users.repository.UserRepository`, over a FakeStore."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def _table(self, table: type) -> dict[str, Any]:
        return self._store.tables[table]

    def add(self, row: Row) -> None:
        self._table(type(row))[_key(row)] = row

    async def flush(self) -> None:
        emails = [user.email for user in self._table(User).values()]
        if len(emails) != len(set(emails)):
            raise AssertionError("unique email violated")

    async def get_user(self, user_id: str) -> User | None:
        return self._table(User).get(user_id)

    async def get_user_by_email(self, email: str) -> User | None:
        return next((u for u in self._table(User).values() if u.email == email.lower()), None)

    async def list_users(self, offset: int, limit: int) -> tuple[list[User], int]:
        users = sorted(self._table(User).values(), key=lambda u: (u.created_at, u.id))
        return users[offset : offset + limit], len(users)

    async def get_refresh_token(self, token_id: str) -> RefreshToken | None:
        return self._table(RefreshToken).get(token_id)

    async def revoke_refresh_token(self, token_id: str, now: datetime) -> bool:
        token = self._table(RefreshToken).get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = now
        return True

    async def revoke_refresh_family(self, family_id: str, now: datetime) -> int:
        return self._revoke_where(lambda token: token.family_id == family_id, now)

    async def revoke_user_refresh_tokens(self, user_id: str, now: datetime) -> int:
        return self._revoke_where(lambda token: token.user_id == user_id, now)

    def _revoke_where(self, match: Any, now: datetime) -> int:
        live = [t for t in self._table(RefreshToken).values() if match(t) and not t.revoked_at]
        for token in live:
            token.revoked_at = now
        return len(live)

    async def revoke_access_token(self, jti: str, expires_at: datetime) -> None:
        self._table(RevokedAccessToken).setdefault(
            jti, RevokedAccessToken(jti=jti, expires_at=expires_at)
        )

    async def is_access_token_revoked(self, *jtis: str) -> bool:
        return any(jti in self._table(RevokedAccessToken) for jti in jtis)

    async def purge_revoked_access_tokens(self, now: datetime) -> int:
        table = self._table(RevokedAccessToken)
        expired = [jti for jti, row in table.items() if row.expires_at <= now]
        for jti in expired:
            del table[jti]
        return len(expired)

    async def list_addresses(self, user_id: str) -> list[Address]:
        rows = [a for a in self._table(Address).values() if a.user_id == user_id]
        return sorted(rows, key=lambda a: (a.created_at, a.id))

    async def get_address(self, user_id: str, address_id: str) -> Address | None:
        address = self._table(Address).get(address_id)
        return address if address is not None and address.user_id == user_id else None

    async def delete_address(self, address: Address) -> None:
        del self._table(Address)[address.id]

    async def list_payment_methods(self, user_id: str) -> list[PaymentMethod]:
        rows = [
            m for m in self._table(PaymentMethod).values() if m.user_id == user_id and m.is_active
        ]
        return sorted(rows, key=lambda m: (m.created_at, m.id))

    async def get_payment_method(self, user_id: str, method_id: str) -> PaymentMethod | None:
        method = self._table(PaymentMethod).get(method_id)
        if method is None or method.user_id != user_id or not method.is_active:
            return None
        return method

    async def get_gift_card(self, gift_card_id: str) -> GiftCard | None:
        return self._table(GiftCard).get(gift_card_id)

    async def get_gift_cards(self, gift_card_ids: Sequence[str]) -> dict[str, GiftCard]:
        return {i: self._table(GiftCard)[i] for i in gift_card_ids if i in self._table(GiftCard)}

    async def get_gift_card_by_code(self, code: str) -> GiftCard | None:
        return next((c for c in self._table(GiftCard).values() if c.code == code), None)

    async def redeem_gift_card(self, gift_card_id: str, user_id: str, now: datetime) -> bool:
        card = self._table(GiftCard).get(gift_card_id)
        if card is None or card.redeemed_by is not None:
            return False
        card.redeemed_by, card.redeemed_at = user_id, now
        return True


class FakeUnitOfWork:
    """``async with`` + ``commit()`` over a FakeStore; leaving without commit rolls back."""

    def __init__(self, store: FakeStore, clock: Clock) -> None:
        self._store = store
        self.clock = clock
        self.users = FakeUserRepository(store)
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self._snapshot = self._store.snapshot()
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._store.restore(self._snapshot)

    def emit(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        self._snapshot = self._store.snapshot()
        self._store.events.extend(self._events)
        self._events = []


class FakeRevocations:
    """Token revocations in a dict (the port's contract, without a database)."""

    def __init__(self) -> None:
        self.revoked: dict[str, datetime] = {}

    async def revoke(self, jti: str, expires_at: datetime) -> None:
        self.revoked[jti] = expires_at

    async def is_revoked(self, *jtis: str) -> bool:
        return any(jti in self.revoked for jti in jtis)
