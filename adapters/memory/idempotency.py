"""Idempotency records in the memory store.

Each method runs without suspending, and a unit of work publishes its view as soon as it
commits: a claim made and committed in one unit of work cannot interleave with another.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryView
from application.ports import Clock
from domain.idempotency import IdempotencyRecord, RecordedResponse

Key = tuple[str, str]


class InMemoryIdempotencyRecords:
    def __init__(self, view: MemoryView, clock: Clock) -> None:
        self.view = view
        self.clock = clock

    @property
    def rows(self) -> dict[Key, IdempotencyRecord]:
        return self.view.table("idempotency_records")

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        held = self.rows.get((record.subject, record.key))
        if held is not None and not held.yields_to(record, now):
            return held
        self.rows[record.subject, record.key] = record
        return record

    async def complete(
        self, subject: str, key: str, owner: uuid.UUID, response: RecordedResponse
    ) -> bool:
        held = self.rows.get((subject, key))
        if held is None or not held.owned_by(owner):
            return False
        self.rows[subject, key] = held.completed(response)
        return True

    async def release(self, subject: str, key: str, owner: uuid.UUID) -> None:
        held = self.rows.get((subject, key))
        if held is not None and held.owned_by(owner):
            del self.rows[subject, key]

    async def delete_expired(self, now: datetime, limit: int) -> int:
        expired = [key for key, record in self.rows.items() if record.expires_at <= now][:limit]
        for key in expired:
            del self.rows[key]
        return len(expired)
