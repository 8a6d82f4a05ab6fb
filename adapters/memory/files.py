"""In-memory files, honouring the same contract as the SQLAlchemy repository."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence

from adapters.memory.store import MemoryRepository, newest_first
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from domain.file import File


class InMemoryFileRepository(MemoryRepository[File]):
    table_name = "files"

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> File | None:
        return self.find(lambda f: f.id == id and self.readable(subject, f.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[File]:
        found = [
            f
            for f in self.live()
            if self.readable(subject, f.organization_id)
            and (not organization_ids or f.organization_id in organization_ids)
            and (not ids or f.id in ids)
        ]
        found = newest_first(found, lambda f: f)
        window = found[pagination.offset : pagination.offset + pagination.limit]
        return Page(
            items=[copy.deepcopy(f) for f in window],
            total_count=len(found),
            limit=pagination.limit,
        )
