"""Meters in memory, honouring the same contract as SqlAlchemyMeterRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository, metadata_matches
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.meters.ports import MeterFilters
from application.meters.sorting import MeterSortProperty
from domain.meter import Meter


def _matches(meter: Meter, filters: MeterFilters) -> bool:
    if filters.organization_ids and meter.organization_id not in filters.organization_ids:
        return False
    if filters.query is not None and filters.query.lower() not in meter.name.lower():
        return False
    if filters.is_archived is not None and meter.is_archived != filters.is_archived:
        return False
    return metadata_matches(meter.metadata, filters.metadata)


class InMemoryMeterRepository(MemoryRepository[Meter]):
    table_name = "meters"
    sort_keys: dict[Any, Any] = {
        MeterSortProperty.created_at: lambda m: m.created_at,
        MeterSortProperty.name: lambda m: m.name,
    }

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Meter | None:
        return self.find(lambda m: m.id == id and self.readable(subject, m.organization_id))

    async def lock_for_archiving(self, id: uuid.UUID) -> None:
        return None

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: MeterFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[MeterSortProperty]],
    ) -> Page[Meter]:
        items = [
            m
            for m in self.live()
            if self.readable(subject, m.organization_id) and _matches(m, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
