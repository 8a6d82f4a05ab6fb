"""What every record shares: identity, timestamps and soft deletion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Entity:
    id: uuid.UUID = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utc_now)
    modified_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, at: datetime) -> None:
        # Deleting twice keeps the first deletion time: the operation is idempotent.
        if self.deleted_at is None:
            self.deleted_at = at
