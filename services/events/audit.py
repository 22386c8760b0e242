"""The audit log: every committed domain event, stored once.

Fed by a Kafka consumer group (``domtok worker``) or, in the embedded mode, by the outbox
relay itself. ``event_id`` is unique, so a redelivered event (at-least-once) is skipped instead
of stored twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from services.events.envelope import Envelope
from services.kernel.clock import Clock
from services.kernel.db import Base
from services.kernel.metrics import CONSUMED_EVENTS


class AuditEntry(Base):
    """One domain event as the audit trail keeps it."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    aggregate_id: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


class AuditLog:
    """Writes events to ``audit_log``, each at most once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        """Record a batch in one transaction; events already recorded are skipped."""
        await self.record(envelopes)

    async def record(self, envelopes: Sequence[Envelope]) -> int:
        """Record the new events of a batch; returns how many were new."""
        unique = {envelope.event.id: envelope for envelope in envelopes}
        if not unique:
            return 0
        async with self._sessions() as session:
            known = set(
                await session.scalars(
                    select(AuditEntry.event_id).where(AuditEntry.event_id.in_(list(unique)))
                )
            )
            now = self._clock.now()
            for event_id, envelope in unique.items():
                if event_id in known:
                    continue
                session.add(
                    AuditEntry(
                        event_id=event_id,
                        event_type=envelope.event.type,
                        aggregate_id=envelope.event.aggregate_id,
                        payload=envelope.event.payload,
                        occurred_at=envelope.created_at,
                        recorded_at=now,
                    )
                )
            # A concurrent consumer inserting the same id makes this commit fail on the unique
            # key; the batch is then retried and the ids are found as known.
            await session.commit()
        new = len(unique) - len(known)
        CONSUMED_EVENTS.labels(consumer="audit", outcome="duplicate").inc(len(envelopes) - new)
        return new

    async def entries(self, aggregate_id: str | None = None) -> list[AuditEntry]:
        """Recorded events in the order they were recorded (of one aggregate if given)."""
        statement = select(AuditEntry).order_by(AuditEntry.seq)
        if aggregate_id is not None:
            statement = statement.where(AuditEntry.aggregate_id == aggregate_id)
        async with self._sessions() as session:
            return list(await session.scalars(statement))
