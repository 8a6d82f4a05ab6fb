from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from application.uow import UnitOfWork
from domain.idempotency import IdempotencyRecord, RecordedResponse


class SealBroken(Exception):
    """A sealed response could not be opened (altered, or sealed under another secret)."""


class ResponseSealer(Protocol):
    """Keeps recorded responses unreadable at rest: they can carry secrets issued once (a
    customer session token, an access token), which the database otherwise keeps only as
    digests. `context` (the record's subject and key) binds a sealed body to its record."""

    def seal(self, data: bytes, context: bytes) -> bytes: ...

    def open(self, data: bytes, context: bytes) -> bytes:
        """Raises SealBroken when `data` was not sealed by this sealer for `context`."""
        ...


class IdempotencyStore(Protocol):
    """Where idempotency records live: a repository of the units of work (the database, or the
    memory store), or a store of its own (Redis). Every operation is atomic on its own."""

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        """Store `record` unless its key holds a record that does not yield to it (see
        `IdempotencyRecord.yields_to`). Returns the record the key holds afterwards: `record`
        itself (same owner) when claimed, the other one otherwise."""
        ...

    async def complete(
        self, subject: str, key: str, owner: uuid.UUID, response: RecordedResponse
    ) -> bool:
        """Record the response of `owner`'s claim. False, recording nothing, when the key is no
        longer `owner`'s running claim (taken over, or expired and claimed again)."""
        ...

    async def release(self, subject: str, key: str, owner: uuid.UUID) -> None:
        """Forget `owner`'s running claim (its request failed), so that a retry runs again."""
        ...

    async def delete_expired(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` records expired at `now`; returns how many."""
        ...


class IdempotencyUnitOfWork(UnitOfWork, Protocol):
    idempotency_records: IdempotencyStore


class SeparateIdempotencyStore(IdempotencyStore, Protocol):
    """A store outside the units of work's database (Redis): a response cannot commit with the
    request's writes, so the claim is renewed just before they commit."""

    async def renew(self, subject: str, key: str, owner: uuid.UUID, leased_until: datetime) -> bool:
        """Extend `owner`'s running claim to `leased_until`; False when it is no longer theirs."""
        ...
