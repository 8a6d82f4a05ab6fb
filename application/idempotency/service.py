"""Idempotent writes: claiming a key, recording the response, replaying it.

How a request with a key goes (the HTTP entrypoint drives it):

1. `claim`, once the subject is known: the key is claimed for this request (committed at once,
   so that every process sees it), or the recorded response comes back to be replayed, or the
   request is refused (the key is running, or was used for another request).
2. The route runs on a `HeldUnitOfWork`: its `commit()` only asks for the commit.
3. `finish` with the response: when the records live in the units of work's database, the
   response is written in the request's own transaction and committed with what the request
   wrote — both or neither. With a store of their own (Redis), the claim is renewed (a full
   lease), the request's transaction commits, and the response is recorded just after: a
   process that dies between those two leaves a claim that a retry takes over once its lease
   ends, and runs again.
4. `abandon` when the request failed (5xx, an exception, a lost connection): the claim is
   forgotten and nothing was committed, so a retry runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from application.idempotency.ports import (
    IdempotencyStore,
    IdempotencyUnitOfWork,
    ResponseSealer,
    SealBroken,
    SeparateIdempotencyStore,
)
from application.kit.errors import ApplicationError
from application.ports import Clock
from application.uow import UnitOfWorkFactory
from domain.base import new_id
from domain.idempotency import IdempotencyRecord, RecordedResponse

T = TypeVar("T")

SWEEP_BATCH = 1000


class IdempotencyKeyInUse(ApplicationError):
    """A request with this key is still running (or a retry took it over)."""

    retry_after = 1


class IdempotencyKeyMismatch(ApplicationError):
    """The key was used for a different request."""


@dataclass(frozen=True)
class IdempotencyPolicy:
    # How long a key is remembered after its first use.
    ttl: timedelta = timedelta(hours=24)
    # How long a running claim is trusted: past it, the request is presumed dead (its process
    # stopped before answering) and a retry of the same request may run.
    lease: timedelta = timedelta(seconds=60)


class HeldUnitOfWork:
    """A request's unit of work whose commits wait for its response.

    The route's `commit()` only records that it wants its writes committed; `finish` commits
    them, with the response recorded in the same transaction when it can. Everything the route
    writes is then one transaction (a second `commit()` does not start a new one).
    """

    __slots__ = ("commit_requested", "inner")

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.commit_requested = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def commit(self) -> None:
        self.commit_requested = True


class IdempotencyService:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        clock: Clock,
        sealer: ResponseSealer,
        policy: IdempotencyPolicy | None = None,
        store: SeparateIdempotencyStore | None = None,
    ) -> None:
        """`store`: records kept outside the units of work (Redis); None keeps them in the
        units of work's own database, where a response commits with the request's writes.
        `sealer` keeps the recorded bodies unreadable where they are stored."""
        self.uows = uows
        self.clock = clock
        self.sealer = sealer
        self.policy = policy or IdempotencyPolicy()
        self.store = store

    async def _apply(self, operation: Callable[[IdempotencyStore], Awaitable[T]]) -> T:
        """`operation` on the records, committed on its own."""
        if self.store is not None:
            return await operation(self.store)
        async with self.uows.write() as uow:
            result = await operation(uow.idempotency_records)
            await uow.commit()
        return result

    async def claim(
        self, subject: str, key: str, fingerprint: str
    ) -> IdempotencyRecord | RecordedResponse:
        """This request's claim on the key, or the response to replay.

        Raises IdempotencyKeyMismatch when the key was used for another request, and
        IdempotencyKeyInUse while the request that claimed it is running.
        """
        now = self.clock.now()
        mine = IdempotencyRecord(
            subject=subject,
            key=key,
            fingerprint=fingerprint,
            owner=new_id(),
            created_at=now,
            leased_until=now + self.policy.lease,
            expires_at=now + self.policy.ttl,
        )
        held = await self._apply(lambda records: records.claim(mine, now))
        if held.owner == mine.owner:
            return mine
        if held.fingerprint != fingerprint:
            raise IdempotencyKeyMismatch(
                "This Idempotency-Key was already used for a different request (another method, "
                "path or body). Use a new key for a new request."
            )
        if held.response is None:
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still being processed. Retry shortly."
            )
        try:
            body = self.sealer.open(held.response.body, _context(held))
        except SealBroken as error:
            # Never run the request again (it may have charged): say why it cannot replay.
            raise IdempotencyKeyMismatch(
                "The response recorded for this Idempotency-Key cannot be read back (the "
                "server's secret changed since). Use a new key for a new request."
            ) from error
        return replace(held.response, body=body)

    async def finish(
        self,
        claim: IdempotencyRecord,
        response: RecordedResponse,
        uow: IdempotencyUnitOfWork | None = None,
    ) -> bool:
        """Record `response` as the claim's, committing `uow` (the request's unit of work, when
        the route asked for its commit). Without `uow`, the request wrote nothing to commit.

        False when the claim was lost meanwhile (a retry took it over after its lease): then
        nothing is committed.
        """
        record = claim.subject, claim.key, claim.owner
        response = replace(response, body=self.sealer.seal(response.body, _context(claim)))
        if uow is not None:
            if self.store is None:
                if not await uow.idempotency_records.complete(*record, response):
                    return False
                await uow.commit()
                return True
            # Keep the claim for a full lease while the writes commit, or give up if it is lost.
            renewed = self.clock.now() + self.policy.lease
            if not await self.store.renew(*record, renewed):
                return False
            await uow.commit()
        return await self._apply(lambda records: records.complete(*record, response))

    async def abandon(self, claim: IdempotencyRecord) -> None:
        """Forget the claim of a request that failed: a retry runs again."""
        await self._apply(lambda records: records.release(claim.subject, claim.key, claim.owner))

    async def sweep(self) -> int:
        """Delete the expired records, a batch per transaction; returns how many."""
        now = self.clock.now()
        total = 0
        while True:
            deleted = await self._apply(lambda records: records.delete_expired(now, SWEEP_BATCH))
            total += deleted
            if deleted < SWEEP_BATCH:
                return total


def _context(record: IdempotencyRecord) -> bytes:
    """What a sealed body is bound to: its record's subject and key."""
    return f"{record.subject}\n{record.key}".encode()
