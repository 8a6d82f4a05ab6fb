"""Ports shared by every module. Adapters implement them; use cases depend on them only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from application.auth import AuthSubject
from domain.base import new_id

JobArgument = str | int | float | bool | None

# The id of the request being served, or of the request behind the job being run: set by the
# HTTP entrypoint (X-Request-Id) and by the worker for each job, and carried by every job
# enqueued meanwhile, so that the logs of a request and of all the work it caused share it.
REQUEST_ID: ContextVar[str | None] = ContextVar("meridian_request_id", default=None)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


@dataclass(frozen=True)
class Job:
    """A unit of background work: a stable name and primitive arguments.

    `id` is the outbox row's id and the queue's task id, so a job sent twice is recognisable.
    """

    name: str
    arguments: Mapping[str, JobArgument]
    id: uuid.UUID = field(default_factory=new_id)
    # The request it was enqueued for (see REQUEST_ID): metadata, not an argument.
    request_id: str | None = field(default_factory=REQUEST_ID.get)


class JobQueue(Protocol):
    async def send(self, job: Job) -> None:
        """Hand a job to the queue. Delivery is at-least-once: consumers must be idempotent."""
        ...


class TokenHasher(Protocol):
    def generate(self, prefix: str) -> str:
        """A new random secret token that starts with `prefix`."""
        ...

    def digest(self, token: str) -> str:
        """The stored form of a token: a keyed digest, never reversible."""
        ...


@dataclass
class CachedCredential:
    """What authenticating a token established, kept for a short while."""

    subject: AuthSubject
    token_kind: str
    token_id: uuid.UUID
    organization_id: uuid.UUID | None
    last_used_at: datetime | None


class CredentialCache(Protocol):
    """Recently authenticated tokens, so that most requests skip the token lookup.

    An entry lives at most the adapter's time-to-live and never past the token's expiry. Writes
    that invalidate a credential (revocation, new scopes, a deleted organization) evict it in
    this process at once; other processes see the change when their entry times out.
    """

    def get(self, digest: str, now: datetime) -> CachedCredential | None: ...

    def put(
        self, digest: str, credential: CachedCredential, now: datetime, expires_at: datetime | None
    ) -> None: ...

    def forget_token(self, token_id: uuid.UUID) -> None: ...

    def forget_organization(self, organization_id: uuid.UUID) -> None: ...


class TokenUsageRecorder(Protocol):
    """Collects `last_used_at` updates so the request path never writes.

    The adapter decides when to persist (batched, periodically); losing a few updates on a crash
    is acceptable because the column is informative only.
    """

    def record(self, token_kind: str, token_id: uuid.UUID, at: datetime) -> None: ...

    def drain(self) -> dict[str, dict[uuid.UUID, datetime]]:
        """Take every recorded use since the last drain: token kind → token id → time."""
        ...
