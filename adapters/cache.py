"""An in-process, time-bounded cache of authenticated credentials."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

from application.ports import CachedCredential


class TtlCredentialCache:
    """Least-recently-used, each entry valid for `ttl` (and never past its token's expiry).

    `ttl` of zero disables caching. Eviction by token or organization scans the entries: such
    writes are rare next to reads, and the cache is small.
    """

    def __init__(self, ttl: timedelta, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[CachedCredential, datetime]] = OrderedDict()

    def get(self, digest: str, now: datetime) -> CachedCredential | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        credential, valid_until = entry
        if now >= valid_until:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return credential

    def put(
        self, digest: str, credential: CachedCredential, now: datetime, expires_at: datetime | None
    ) -> None:
        if self.ttl <= timedelta(0):
            return
        valid_until = now + self.ttl
        if expires_at is not None:
            valid_until = min(valid_until, expires_at)
        self._entries[digest] = (credential, valid_until)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget_token(self, token_id: uuid.UUID) -> None:
        self._forget(lambda c: c.token_id == token_id)

    def forget_organization(self, organization_id: uuid.UUID) -> None:
        self._forget(lambda c: c.organization_id == organization_id)

    def _forget(self, matches: object) -> None:
        stale = [d for d, (c, _) in self._entries.items() if matches(c)]  # type: ignore[operator]
        for digest in stale:
            del self._entries[digest]
