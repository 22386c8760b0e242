"""Idempotency records in Redis (``SET NX`` claims, responses kept 24 h), SQL as the fallback.

A claim is one ``SET NX``: the first request with a key creates the in-flight record, later ones
get the existing record back and are judged as by the SQL store (replay, 409 in flight, 422 other
payload). An in-flight record expires after ``in_flight_ttl`` so a process that died mid-request
does not block its key for a day; a finished one keeps the response for 24 hours.

While Redis is unreachable claims go to the SQL store, and the store remembers which one holds
each claim of this process so that ``finish``/``release`` reach it. For a day after such a
fallback a fresh Redis claim also looks for an older SQL record of the key, so a retry after
Redis came back still replays the response stored during the outage.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.kernel.idempotency import (
    KEY_TTL,
    IdempotencyStore,
    StoredResponse,
    verdict,
)
from services.kernel.redis import KEY_PREFIX, RedisGuard, RedisUnavailable, script_call

PREFIX = f"{KEY_PREFIX}idem:"
IN_FLIGHT_TTL = timedelta(minutes=5)

# Returns nil when this call created the record, else the record that exists.
CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])
"""
# Marks the claimed record done with the response (kept as JSON text, not re-encoded by Lua).
FINISH = """
local found = redis.call('GET', KEYS[1])
if not found then
  return 0
end
local record = cjson.decode(found)
record['status'] = 'done'
record['code'] = tonumber(ARGV[1])
record['body'] = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', ARGV[3])
return 1
"""
# Deletes the record only while it is still in flight (a finished response is kept).
RELEASE = """
local found = redis.call('GET', KEYS[1])
if found and cjson.decode(found)['status'] == 'in_flight' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class PeekableStore(IdempotencyStore, Protocol):
    """The fallback store: the SQL one, which can also look at a record without claiming."""

    async def peek(
        self, user_id: str, key: str, now: datetime
    ) -> tuple[str, str, StoredResponse | None] | None:
        """``(status, fingerprint, response)`` of a live record, or None."""
        ...


class RedisIdempotencyStore:
    """The :class:`~services.kernel.idempotency.IdempotencyStore` port over Redis."""

    def __init__(
        self,
        guard: RedisGuard,
        fallback: PeekableStore,
        *,
        in_flight_ttl: timedelta = IN_FLIGHT_TTL,
    ) -> None:
        self._guard = guard
        self._fallback = fallback
        self._in_flight_ms = int(in_flight_ttl.total_seconds() * 1000)
        self._claim = guard.client.register_script(CLAIM)
        self._finish = guard.client.register_script(FINISH)
        self._release = guard.client.register_script(RELEASE)
        self._in_sql: set[tuple[str, str]] = set()
        self._sql_used_at: datetime | None = None

    async def claim(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        """Claim ``key`` (None: go ahead), or judge the record that holds it."""
        record = json.dumps({"fingerprint": print_, "status": "in_flight"})
        redis_key = _key(user_id, key)
        try:
            found = await self._guard.run(
                "idempotency claim",
                script_call(self._claim, [redis_key], [record, self._in_flight_ms]),
            )
        except RedisUnavailable:
            return await self._claim_in_sql(user_id, key, print_, now)
        if found is not None:
            return _judge(json.loads(found), print_)
        if self._sql_used_at is not None and now < self._sql_used_at + KEY_TTL:
            return await self._defer_to_older_sql_record(user_id, key, print_, now)
        return None

    async def finish(self, user_id: str, key: str, response: StoredResponse) -> None:
        """Store the response next to the claim, for 24 hours."""
        if (user_id, key) in self._in_sql:
            self._in_sql.discard((user_id, key))
            await self._fallback.finish(user_id, key, response)
            return
        body = json.dumps(response.body)
        args: list[int | str] = [response.status_code, body, int(KEY_TTL.total_seconds() * 1000)]
        try:
            await self._guard.run(
                "idempotency finish",
                script_call(self._finish, [_key(user_id, key)], args),
            )
        except RedisUnavailable:
            # The in-flight record expires on its own; until then retries get 409.
            return

    async def release(self, user_id: str, key: str) -> None:
        """Forget an in-flight claim whose request failed."""
        if (user_id, key) in self._in_sql:
            self._in_sql.discard((user_id, key))
            await self._fallback.release(user_id, key)
            return
        try:
            await self._guard.run(
                "idempotency release", script_call(self._release, [_key(user_id, key)])
            )
        except RedisUnavailable:
            return

    async def _claim_in_sql(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        stored = await self._fallback.claim(user_id, key, print_, now)
        if stored is None:
            self._in_sql.add((user_id, key))
            self._sql_used_at = now
        return stored

    async def _defer_to_older_sql_record(
        self, user_id: str, key: str, print_: str, now: datetime
    ) -> StoredResponse | None:
        """Redis was just claimed; a record stored in SQL during an outage still wins."""
        older = await self._fallback.peek(user_id, key, now)
        if older is None:
            return None
        await self.release(user_id, key)
        status, fingerprint, response = older
        return verdict(fingerprint, status, response, print_)


def _key(user_id: str, key: str) -> str:
    return f"{PREFIX}{user_id}:{key}"


def _judge(record: dict[str, Any], print_: str) -> StoredResponse:
    response = None
    if record["status"] == "done":
        response = StoredResponse(int(record["code"]), json.loads(record["body"]))
    return verdict(record["fingerprint"], record["status"], response, print_)
