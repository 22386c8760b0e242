"""The Redis stock gate: flash-sale reservations decided by one atomic Lua script.

Per variant Redis keeps three counters: ``avail`` (units the gate may still hand out),
``pending`` (units held by orders whose transaction has not committed yet) and ``seq`` (bumped by
every change, so the reconciler can tell that nothing moved while it read the database).

An order's transaction runs the gate right before the database's conditional update:

1. ``RESERVE`` takes every line or none: all ``avail`` counters drop and ``pending`` rises, or
   the first short line is reported and nothing changes. A variant without counters is seeded
   from the database (``on_hand - reserved - pending``) and the script runs again.
2. Just before the commit ``SETTLE`` moves the hold out of ``pending``; if the transaction rolls
   back instead, ``COMPENSATE`` gives the units back to ``avail``.
3. :class:`~services.catalog.stock_reconciler.StockReconciler` sets ``avail`` to the database's
   figure minus ``pending`` after every other stock change (cancel, expiry, restock, ...), at
   start and periodically; a read that raced a reservation is retried (``seq`` moved).

The database remains the authority: when Redis is slow or down the gate steps aside and the
conditional ``UPDATE`` alone decides, so nothing is ever oversold. Settling before the commit
means a reconciliation that races an order can only leave ``avail`` too high (the database then
refuses the extra buyers), never too low.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from services.catalog.stock import merge_quantities, out_of_stock
from services.catalog.stock_reconciler import StockKeys, StockReconciler
from services.kernel.redis import RedisGuard, RedisUnavailable, script_call
from services.uow import ShopUnitOfWork

log = logging.getLogger(__name__)

PENDING_TTL_MS = 60_000

# KEYS: avail, pending, seq of each line; ARGV: each line's quantity, then the pending TTL.
# Returns {1} when every line was taken, {0, line, available} for the first short line, or
# {-1, line, ...} naming the lines that have no counter yet (nothing is taken then).
RESERVE = """
local n = #KEYS / 3
local missing = {-1}
for i = 1, n do
  if redis.call('EXISTS', KEYS[3 * i - 2]) == 0 then
    missing[#missing + 1] = i
  end
end
if #missing > 1 then
  return missing
end
for i = 1, n do
  local available = tonumber(redis.call('GET', KEYS[3 * i - 2]))
  if available < tonumber(ARGV[i]) then
    return {0, i, available}
  end
end
for i = 1, n do
  redis.call('DECRBY', KEYS[3 * i - 2], ARGV[i])
  redis.call('INCRBY', KEYS[3 * i - 1], ARGV[i])
  redis.call('PEXPIRE', KEYS[3 * i - 1], ARGV[n + 1])
  redis.call('INCR', KEYS[3 * i])
end
return {1}
"""

# KEYS: avail, pending, seq of each line; ARGV: each line's quantity, then 1 when the hold was
# already settled. Undoes a reservation whose transaction did not commit.
COMPENSATE = """
local n = #KEYS / 3
for i = 1, n do
  if redis.call('EXISTS', KEYS[3 * i - 2]) == 1 then
    redis.call('INCRBY', KEYS[3 * i - 2], ARGV[i])
  end
  if ARGV[n + 1] == '0' and redis.call('EXISTS', KEYS[3 * i - 1]) == 1 then
    if redis.call('DECRBY', KEYS[3 * i - 1], ARGV[i]) <= 0 then
      redis.call('DEL', KEYS[3 * i - 1])
    end
  end
  redis.call('INCR', KEYS[3 * i])
end
return n
"""

# KEYS: avail, pending, seq of each line; ARGV: each line's quantity. The hold is about to be
# committed to the database, so it stops counting as pending.
SETTLE = """
for i = 1, #KEYS / 3 do
  if redis.call('EXISTS', KEYS[3 * i - 1]) == 1 then
    if redis.call('DECRBY', KEYS[3 * i - 1], ARGV[i]) <= 0 then
      redis.call('DEL', KEYS[3 * i - 1])
    end
  end
  redis.call('INCR', KEYS[3 * i])
end
return 1
"""

# KEYS: avail, pending, seq, known-set; ARGV: the database's available units, the variant id.
SEED = """
local pending = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('SET', KEYS[1], tonumber(ARGV[1]) - pending, 'NX') then
  redis.call('INCR', KEYS[3])
end
redis.call('SADD', KEYS[4], ARGV[2])
return 1
"""


class RedisStockGate:
    """The :class:`~services.catalog.stock_gate.StockGate` over Redis counters."""

    def __init__(self, guard: RedisGuard, reconciler: StockReconciler) -> None:
        self._guard = guard
        self._reconciler = reconciler
        self._keys = StockKeys()
        client = guard.client
        self._reserve = client.register_script(RESERVE)
        self._compensate = client.register_script(COMPENSATE)
        self._settle = client.register_script(SETTLE)
        self._seed = client.register_script(SEED)

    async def reserve(self, uow: ShopUnitOfWork, quantities: Mapping[str, int]) -> None:
        """Hold every line in Redis or raise ``OutOfStock``; steps aside when Redis is down."""
        lines = merge_quantities(quantities.items())
        self._reconciler.keep_fresh()
        try:
            taken = await self._take(uow, lines)
        except RedisUnavailable:
            return
        if not taken:
            return
        hold = _Hold(self, lines)
        uow.before_commit(hold.settle)
        uow.after_rollback(hold.compensate)

    async def take(self, lines: Mapping[str, int]) -> list[int]:
        """Run the reservation script once: ``[1]``, ``[0, line, available]`` or ``[-1, ...]``."""
        ids = list(lines)
        args: list[int] = [*lines.values(), PENDING_TTL_MS]
        result = await self._guard.run(
            "reserve stock", script_call(self._reserve, self._keys.of(ids), args)
        )
        return [int(value) for value in result]

    async def release(self, lines: Mapping[str, int], *, settled: bool) -> None:
        """Give a hold back (its transaction rolled back)."""
        ids = list(lines)
        args: list[int] = [*lines.values(), 1 if settled else 0]
        await self._guard.run(
            "compensate stock", script_call(self._compensate, self._keys.of(ids), args)
        )

    async def settle(self, lines: Mapping[str, int]) -> None:
        """The hold is being committed to the database: it is no longer pending."""
        ids = list(lines)
        args = list(lines.values())
        await self._guard.run("settle stock", script_call(self._settle, self._keys.of(ids), args))

    async def seed(self, available: Mapping[str, int]) -> None:
        """Create missing counters from the database's available units."""
        for variant_id, units in available.items():
            keys = [*self._keys.of([variant_id]), self._keys.known]
            await self._guard.run("seed stock", script_call(self._seed, keys, [units, variant_id]))

    async def _take(self, uow: ShopUnitOfWork, lines: dict[str, int]) -> bool:
        """True when Redis holds the lines; False when it cannot tell (the database decides)."""
        ids = list(lines)
        result = await self.take(lines)
        if result[0] == -1:
            missing = [ids[index - 1] for index in result[1:]]
            levels = await uow.stock.levels(missing)
            await self.seed({vid: level.on_hand - level.reserved for vid, level in levels.items()})
            result = await self.take(lines)
        if result[0] == 1:
            return True
        if result[0] == 0:
            short = ids[result[1] - 1]
            raise out_of_stock(short, lines[short], result[2])
        return False


class _Hold:
    """One transaction's reservation in Redis, settled at commit or given back on rollback."""

    def __init__(self, gate: RedisStockGate, lines: dict[str, int]) -> None:
        self._gate = gate
        self._lines = lines
        self._settled = False

    async def settle(self) -> None:
        try:
            await self._gate.settle(self._lines)
            self._settled = True
        except RedisUnavailable:
            # The pending count expires on its own; until then the gate hands out less.
            log.warning("could not settle a stock hold of %s", sorted(self._lines))

    async def compensate(self) -> None:
        try:
            await self._gate.release(self._lines, settled=self._settled)
        except RedisUnavailable:
            # The counters stay low until the reconciler resets them from the database.
            log.warning("could not give back a stock hold of %s", sorted(self._lines))
