"""Single-use payment tokens in Redis, in front of the database's record of them.

Issuing a token writes its row (the record) and, when Redis is configured, a hash that expires
with the token. Paying first runs one Lua script that atomically marks the Redis copy used:

- ``taken`` - first use: the database's conditional update then records it (and still refuses
  a token the database knows to be used or expired); a rolled-back payment gives it back;
- ``used`` / ``mismatch`` - refused at once (:class:`PaymentTokenUsed`,
  :class:`InvalidPaymentToken`), without the database's update;
- ``unknown`` - Redis never had it or lost it (down at issue time, restarted): the database
  alone decides, as it does whenever Redis is unreachable.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis.asyncio import Redis

from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable, script_call
from services.payments.errors import InvalidPaymentToken, PaymentTokenUsed
from services.uow import ShopUnitOfWork

log = logging.getLogger(__name__)

PREFIX = f"{KEY_PREFIX}paytoken:"

# KEYS: the token's hash key; ARGV: order id, user id.
TAKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'unknown'
end
local order, user, used = unpack(redis.call('HMGET', KEYS[1], 'order', 'user', 'used'))
if order ~= ARGV[1] or user ~= ARGV[2] then
  return 'mismatch'
end
if used == '1' then
  return 'used'
end
redis.call('HSET', KEYS[1], 'used', '1')
return 'taken'
"""
GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'used', '0')
end
return 1
"""


class RedisPaymentTokenGate:
    """Payment tokens as Redis hashes ``{order, user, used}`` expiring with the token."""

    def __init__(self, guard: RedisGuard) -> None:
        self._guard = guard
        self._take = guard.client.register_script(TAKE)
        self._give_back = guard.client.register_script(GIVE_BACK)

    async def remember(
        self, token_hash: str, order_id: str, user_id: str, expires_at: datetime
    ) -> None:
        """Store the token until it expires (if Redis fails the database still knows it)."""
        key = PREFIX + token_hash

        async def store(client: Redis) -> None:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={"order": order_id, "user": user_id, "used": "0"})
                pipe.pexpireat(key, int(expires_at.timestamp() * 1000))
                await pipe.execute()

        try:
            await self._guard.run("remember payment token", store)
        except RedisUnavailable:
            return

    async def take(self, uow: ShopUnitOfWork, token_hash: str, order_id: str, user_id: str) -> None:
        """Mark the token used in Redis; refuse reuse at once; give it back on rollback."""
        key = PREFIX + token_hash
        try:
            raw = await self._guard.run(
                "take payment token", script_call(self._take, [key], [order_id, user_id])
            )
        except RedisUnavailable:
            return
        verdict = raw.decode() if isinstance(raw, bytes) else str(raw)
        if verdict == "mismatch":
            raise InvalidPaymentToken("The payment token is not valid for this order.")
        if verdict == "used":
            raise PaymentTokenUsed("The payment token was already used; request a new one.")
        if verdict == "taken":
            uow.after_rollback(lambda: self._return(key))

    async def _return(self, key: str) -> None:
        try:
            await self._guard.run("give back payment token", script_call(self._give_back, [key]))
        except RedisUnavailable:
            log.warning("a payment token stays used in Redis after a rolled-back payment")
