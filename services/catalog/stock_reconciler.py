"""Keeps the Redis stock counters in step with the database, which is the authority.

``avail`` is reset to ``on_hand - reserved - pending`` from the database: for the variants of
every ``stock.changed`` event the gate did not apply itself (cancellations, expiries, returns,
restocks, shipments), and for every variant Redis knows at the first reservation of a process and
then every ``interval`` seconds. A reset only lands when the variant's ``seq`` did not move
between reading it and writing, i.e. no reservation started or settled while the database was
read; otherwise it is retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.stock import StockRepository
from services.kernel.events import DomainEvent
from services.kernel.redis import KEY_PREFIX, Arg, RedisGuard, RedisUnavailable, script_call

log = logging.getLogger(__name__)

BATCH = 200
ATTEMPTS = 3
# Reasons of ``stock.changed`` events whose change the gate already made in Redis.
APPLIED_BY_GATE = frozenset({"reserved"})

# KEYS: avail, pending, seq, known-set; ARGV: the seq read before the database, the database's
# available units, the variant id. Returns 0 (nothing written) when seq moved meanwhile.
RESET = """
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then
  return 0
end
local pending = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('SET', KEYS[1], tonumber(ARGV[2]) - pending)
redis.call('SADD', KEYS[4], ARGV[3])
return 1
"""


class StockKeys:
    """Names of the counters of a variant."""

    prefix = f"{KEY_PREFIX}stock:"
    known = f"{KEY_PREFIX}stock-known"

    def of(self, variant_ids: Iterable[str]) -> list[str]:
        """``avail``, ``pending`` and ``seq`` of each variant, in order."""
        keys: list[str] = []
        for variant_id in variant_ids:
            base = self.prefix + variant_id
            keys += [base + ":avail", base + ":pending", base + ":seq"]
        return keys


class StockReconciler:
    """Resets Redis counters from the database, after events and every ``interval`` seconds."""

    def __init__(
        self,
        guard: RedisGuard,
        sessions: async_sessionmaker[AsyncSession],
        interval: float,
    ) -> None:
        self._guard = guard
        self._sessions = sessions
        self._interval = interval
        self._keys = StockKeys()
        self._reset = guard.client.register_script(RESET)
        self._last_full: float | None = None
        self._task: asyncio.Task[int] | None = None

    async def on_stock_changed(self, event: DomainEvent) -> None:
        """Bus handler: reset the variant of a change the gate did not make itself."""
        if event.payload.get("reason") in APPLIED_BY_GATE:
            return
        try:
            await self.reconcile([event.aggregate_id])
        except RedisUnavailable:
            return

    def keep_fresh(self) -> None:
        """Start a full reconciliation in the background when the last one is ``interval`` old."""
        now = time.monotonic()
        running = self._task is not None and not self._task.done()
        if running or (self._last_full is not None and now - self._last_full < self._interval):
            return
        self._last_full = now
        self._task = asyncio.create_task(self._reconcile_all_logged(), name="stock-reconcile")

    async def reconcile_all(self) -> int:
        """Reset every variant Redis has counters for; returns how many were reset."""
        members = await self._guard.run("list stock", lambda r: r.smembers(self._keys.known))
        ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        done = 0
        for start in range(0, len(ids), BATCH):
            done += await self.reconcile(ids[start : start + BATCH])
        return done

    async def reconcile(self, variant_ids: Sequence[str]) -> int:
        """Reset these variants' counters from the database; returns how many were reset."""
        todo = list(dict.fromkeys(variant_ids))
        done = 0
        for _ in range(ATTEMPTS):
            if not todo:
                break
            todo, reset = await self._reset_once(todo)
            done += reset
        if todo:
            log.info("stock counters of %d variant(s) busy; next reconciliation", len(todo))
        return done

    async def aclose(self) -> None:
        """Wait for a background reconciliation to end."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _reset_once(self, ids: list[str]) -> tuple[list[str], int]:
        """One pass; returns the ids whose ``seq`` moved (to retry) and the count reset."""
        seq_keys = [self._keys.of([vid])[2] for vid in ids]
        seqs = await self._guard.run("read stock seq", lambda r: r.mget(seq_keys))
        async with self._sessions() as session:
            levels = await StockRepository(session).levels(ids)
        await self._forget([vid for vid in ids if vid not in levels])
        retry: list[str] = []
        done = 0
        for vid, seq in zip(ids, seqs, strict=True):
            level = levels.get(vid)
            if level is None:
                continue
            if await self.reset(vid, _text(seq), level.on_hand - level.reserved):
                done += 1
            else:
                retry.append(vid)
        return retry, done

    async def reset(self, variant_id: str, seq: str, db_available: int) -> bool:
        """Set ``avail`` to ``db_available - pending`` unless ``seq`` moved since it was read."""
        keys = [*self._keys.of([variant_id]), self._keys.known]
        args: list[Arg] = [seq, db_available, variant_id]
        landed = await self._guard.run("reset stock", script_call(self._reset, keys, args))
        return bool(landed)

    async def _forget(self, gone: list[str]) -> None:
        """Drop the counters of variants the database no longer has."""
        if not gone:
            return
        keys = self._keys.of(gone)

        async def drop(client: Redis) -> None:
            await client.delete(*keys)
            await client.srem(self._keys.known, *gone)  # type: ignore[misc]

        await self._guard.run("forget stock", drop)

    async def _reconcile_all_logged(self) -> int:
        try:
            return await self.reconcile_all()
        except RedisUnavailable:
            return 0
        except Exception:
            log.exception("stock reconciliation failed")
            return 0


def _text(value: bytes | str | None) -> str:
    if value is None:
        return "0"
    return value.decode() if isinstance(value, bytes) else value
