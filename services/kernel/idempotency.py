"""Idempotency keys: a retried request replays its first result instead of acting twice.

A client sends ``Idempotency-Key``; the first request with a key claims it (``in_flight``), runs,
and stores its response (``done``). Later requests with the same key and the same payload get
the stored response back (replayed); the same key with a different payload is refused (422);
while the first is still running, others are refused (409). Keys are scoped per user and kept
for 24 hours. A failed request releases its key so the client may retry with it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.clock import Clock
from services.kernel.db import Base
from services.kernel.errors import BadRequest, Conflict, Unprocessable
from services.kernel.ids import new_id

KEY_TTL = timedelta(hours=24)
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyInFlight(Conflict):
    code = "idempotency_in_flight"


class IdempotencyKeyMismatch(Unprocessable):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(BadRequest):
    code = "invalid_idempotency_key"


class IdempotencyRecord(Base):
    """One claimed key of one user, with the stored response once the request finished."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A finished request's status code and JSON body."""

    status_code: int
    body: Any


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    """What to send: the response, and whether it is a replay of an earlier request."""

    status_code: int
    body: Any
    replayed: bool


def fingerprint(operation: str, payload: Any) -> str:
    """sha256 of the operation and payload as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        {"operation": operation, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    """1-255 visible ASCII characters, or :class:`InvalidIdempotencyKey`."""
    if not _KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey("Idempotency-Key must be 1-255 visible ASCII characters.")
    return key


def verdict(print_: str, status: str, response: StoredResponse | None, got: str) -> StoredResponse:
    """The stored response for a retry with fingerprint ``got``, or the refusal to raise."""
    if print_ != got:
        raise IdempotencyKeyMismatch(
            "This Idempotency-Key was used with a different request; use a new key."
        )
    if status != "done" or response is None:
        raise IdempotencyInFlight("A request with this Idempotency-Key is still being processed.")
    return response


class IdempotencyStore(Protocol):
    """Where claimed keys and finished responses live."""

    async def claim(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        """Claim ``key`` (None: go ahead) or return the stored response (raises on misuse)."""
        ...

    async def finish(self, user_id: str, key: str, response: StoredResponse) -> None:
        """Store the response of the request that claimed ``key``."""
        ...

    async def release(self, user_id: str, key: str) -> None:
        """Forget a claim whose request failed, so it may be retried."""
        ...


class SqlIdempotencyStore:
    """Keys in the ``idempotency_keys`` table, each step in its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        """Insert an in-flight record, or judge the existing one."""
        try:
            return await self._claim(user_id, key, print_, now)
        except IntegrityError:  # a concurrent request inserted the key first (PostgreSQL)
            return await self._claim(user_id, key, print_, now)

    async def _claim(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        async with self._sessions() as session, session.begin():
            row = await _find(session, user_id, key)
            if row is not None and row.expires_at <= now:
                await session.delete(row)
                await session.flush()
                row = None
            if row is not None:
                stored = (
                    None
                    if row.response_status is None
                    else StoredResponse(row.response_status, row.response_body)
                )
                return verdict(row.fingerprint, row.status, stored, print_)
            session.add(
                IdempotencyRecord(
                    id=new_id("idk"),
                    user_id=user_id,
                    key=key,
                    fingerprint=print_,
                    status="in_flight",
                    created_at=now,
                    expires_at=now + KEY_TTL,
                )
            )
        return None

    async def peek(
        self, user_id: str, key: str, now: datetime
    ) -> tuple[str, str, StoredResponse | None] | None:
        """``(status, fingerprint, response)`` of a live record of ``key``, without claiming."""
        async with self._sessions() as session:
            row = await _find(session, user_id, key)
            if row is None or row.expires_at <= now:
                return None
            stored = (
                None
                if row.response_status is None
                else StoredResponse(row.response_status, row.response_body)
            )
            return row.status, row.fingerprint, stored

    async def finish(self, user_id: str, key: str, response: StoredResponse) -> None:
        """Mark the key done with its response."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
                .values(
                    status="done",
                    response_status=response.status_code,
                    response_body=response.body,
                )
            )

    async def release(self, user_id: str, key: str) -> None:
        """Delete the in-flight record."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == user_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status == "in_flight",
                )
            )


async def _find(session: AsyncSession, user_id: str, key: str) -> IdempotencyRecord | None:
    rows = await session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    return rows.first()


class InMemoryIdempotencyStore:
    """A store for one process (unit tests and tools that need no database)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], tuple[str, str, StoredResponse | None, datetime]] = {}

    async def claim(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        """Claim or judge, as the SQL store does."""
        found = self._records.get((user_id, key))
        if found is not None and found[3] > now:
            return verdict(found[0], found[1], found[2], print_)
        self._records[(user_id, key)] = (print_, "in_flight", None, now + KEY_TTL)
        return None

    async def finish(self, user_id: str, key: str, response: StoredResponse) -> None:
        """Store the response."""
        print_, _, _, expires = self._records[(user_id, key)]
        self._records[(user_id, key)] = (print_, "done", response, expires)

    async def release(self, user_id: str, key: str) -> None:
        """Forget an in-flight claim."""
        found = self._records.get((user_id, key))
        if found is not None and found[1] == "in_flight":
            del self._records[(user_id, key)]


class Idempotency:
    """Runs an operation at most once per (user, key)."""

    def __init__(self, store: IdempotencyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def run(
        self,
        user_id: str,
        key: str | None,
        operation: str,
        payload: Any,
        call: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int = 200,
    ) -> IdempotentResult:
        """Run ``call`` (without a key: always), or replay the stored result of its first run."""
        if key is None:
            result = await call()
            return IdempotentResult(status_code, result.model_dump(mode="json"), False)
        check_key(key)
        print_ = fingerprint(operation, payload)
        stored = await self._store.claim(user_id, key, print_, self._clock.now())
        if stored is not None:
            return IdempotentResult(stored.status_code, stored.body, True)
        try:
            result = await call()
        except BaseException:
            await self._store.release(user_id, key)
            raise
        body = result.model_dump(mode="json")
        await self._store.finish(user_id, key, StoredResponse(status_code, body))
        return IdempotentResult(status_code, body, False)
