"""Idempotency records in Redis: one hash per key, changed only by compare-and-set scripts.

Redis forgets a record by itself when it expires (its TTL is the record's remaining life), so
there is nothing to sweep. The records cannot share a transaction with the database: a response
is recorded after the request's writes commit (see IdempotencyService.finish).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.kit.errors import DependencyUnavailable
from domain.idempotency import IdempotencyRecord, RecordedResponse

T = TypeVar("T")

# Replace the record if it is still the one the caller read (ARGV[1] its owner, ARGV[2] its
# response status, both "" for no record), with the fields ARGV[4..] and a TTL of ARGV[3] ms.
# Otherwise return the record as it is now.
_PUT_IF_UNCHANGED = """
local held = redis.call('HMGET', KEYS[1], 'owner', 'status')
if (held[1] or '') ~= ARGV[1] or (held[2] or '') ~= ARGV[2] then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {}
"""

# Record the response (ARGV[2..4]) if ARGV[1] still owns the running claim.
_COMPLETE = """
local held = redis.call('HMGET', KEYS[1], 'owner', 'status')
if held[1] ~= ARGV[1] or held[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4])
return 1
"""

# Move the lease of ARGV[1]'s running claim to ARGV[2].
_RENEW = """
local held = redis.call('HMGET', KEYS[1], 'owner', 'status')
if held[1] ~= ARGV[1] or held[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'leased_until', ARGV[2])
return 1
"""

# Delete the running claim of ARGV[1].
_RELEASE = """
local held = redis.call('HMGET', KEYS[1], 'owner', 'status')
if held[1] == ARGV[1] and not held[2] then
  redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisIdempotencyStore:
    def __init__(self, client: Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._put = client.register_script(_PUT_IF_UNCHANGED)
        self._complete = client.register_script(_COMPLETE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def _key(self, subject: str, key: str) -> str:
        # Hashed: a key is any printable text, and the hash keeps (subject, key) pairs apart.
        digest = hashlib.sha256(f"{subject}\n{key}".encode()).hexdigest()
        return f"{self.prefix}{digest}"

    async def _call(self, command: Awaitable[T]) -> T:
        try:
            return await command
        except (RedisError, OSError) as error:
            raise DependencyUnavailable("idempotency store") from error

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        fields: list[Any] = [
            "subject",
            record.subject,
            "key",
            record.key,
            "fingerprint",
            record.fingerprint,
            "owner",
            str(record.owner),
            "created_at",
            record.created_at.isoformat(),
            "leased_until",
            record.leased_until.isoformat(),
            "expires_at",
            record.expires_at.isoformat(),
        ]
        ttl_ms = max(1, int((record.expires_at - now).total_seconds() * 1000))
        expected = ["", ""]
        name = self._key(record.subject, record.key)
        while True:
            held = await self._call(self._put(keys=[name], args=[*expected, ttl_ms, *fields]))
            if not held:
                return record
            current = _record(held)
            if not current.yields_to(record, now):
                return current
            # It yields: replace it, unless it changed since it was read.
            status = "" if current.response is None else str(current.response.status)
            expected = [str(current.owner), status]

    async def complete(
        self, subject: str, key: str, owner: uuid.UUID, response: RecordedResponse
    ) -> bool:
        headers = json.dumps([list(header) for header in response.headers])
        done = await self._call(
            self._complete(
                keys=[self._key(subject, key)],
                args=[str(owner), response.status, headers, response.body],
            )
        )
        return bool(done)

    async def renew(self, subject: str, key: str, owner: uuid.UUID, leased_until: datetime) -> bool:
        renewed = await self._call(
            self._renew(keys=[self._key(subject, key)], args=[str(owner), leased_until.isoformat()])
        )
        return bool(renewed)

    async def release(self, subject: str, key: str, owner: uuid.UUID) -> None:
        await self._call(self._release(keys=[self._key(subject, key)], args=[str(owner)]))

    async def delete_expired(self, now: datetime, limit: int) -> int:
        return 0  # Redis expires the records itself


def _record(flat: list[bytes]) -> IdempotencyRecord:
    fields = {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}

    def text(name: str) -> str:
        return fields[name].decode()

    response = None
    if "status" in fields:
        response = RecordedResponse(
            status=int(text("status")),
            headers=tuple((name, value) for name, value in json.loads(text("headers"))),
            body=fields["body"],
        )
    return IdempotencyRecord(
        subject=text("subject"),
        key=text("key"),
        fingerprint=text("fingerprint"),
        owner=uuid.UUID(text("owner")),
        created_at=datetime.fromisoformat(text("created_at")),
        leased_until=datetime.fromisoformat(text("leased_until")),
        expires_at=datetime.fromisoformat(text("expires_at")),
        response=response,
    )
