"""Idempotency keys: a client's key for one write, and the response it was answered with.

A client sends a write with a key of its choosing. The first request with that key *claims* it
and runs; its response is recorded under the key; a retry with the key and the same request is
answered with the recorded response instead of running again. Keys are scoped to a subject (who
asked) and forgotten after a while.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

# The longest key a client may send (Stripe's bound).
MAX_KEY_LENGTH = 255


def valid_key(key: str) -> bool:
    """1 to 255 printable ASCII characters (spaces included): what a header carries safely and
    what every store keeps as text (no NUL, nothing to normalise)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= c <= "~" for c in key)


@dataclass(frozen=True)
class RecordedResponse:
    """What the first request was answered with, as it is replayed."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class IdempotencyRecord:
    """A key's state: claimed by `owner` (one request) and running, or done with `response`.

    - `fingerprint` identifies the request (method, path, body…): a retry must match it.
    - `leased_until`: a running claim past this time is presumed abandoned (its process died);
      a retry of the same request may take it over.
    - `expires_at`: after this the key is forgotten, as if it had never been used.
    """

    subject: str
    key: str
    fingerprint: str
    owner: uuid.UUID
    created_at: datetime
    leased_until: datetime
    expires_at: datetime
    response: RecordedResponse | None = None

    @property
    def running(self) -> bool:
        return self.response is None

    def yields_to(self, claim: IdempotencyRecord, now: datetime) -> bool:
        """Whether `claim` (a new request's) replaces this record: the key has expired, or a
        retry of the same request finds it running past its lease."""
        if self.expires_at <= now:
            return True
        return self.running and self.leased_until <= now and self.fingerprint == claim.fingerprint

    def owned_by(self, owner: uuid.UUID) -> bool:
        return self.running and self.owner == owner

    def completed(self, response: RecordedResponse) -> IdempotencyRecord:
        return replace(self, response=response)
