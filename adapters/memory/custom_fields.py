"""Custom fields in memory, honouring the same contract as SqlAlchemyCustomFieldRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.custom_fields.ports import CustomFieldFilters
from application.custom_fields.service import SLUG_TAKEN
from application.custom_fields.sorting import CustomFieldSortProperty
from application.kit.errors import ValidationFailed
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.custom_field import CustomField


def _matches(custom_field: CustomField, filters: CustomFieldFilters) -> bool:
    if filters.organization_ids and custom_field.organization_id not in filters.organization_ids:
        return False
    if filters.types and custom_field.type not in filters.types:
        return False
    if filters.query is not None:
        needle = filters.query.lower()
        return needle in custom_field.name.lower() or needle in custom_field.slug.lower()
    return True


class InMemoryCustomFieldRepository(MemoryRepository[CustomField]):
    table_name = "custom_fields"
    sort_keys: dict[Any, Any] = {
        CustomFieldSortProperty.created_at: lambda f: f.created_at,
        CustomFieldSortProperty.slug: lambda f: f.slug,
        CustomFieldSortProperty.name: lambda f: f.name,
        CustomFieldSortProperty.type: lambda f: f.type.value,
    }

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CustomField | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda f: f.id == id and self.readable(subject, f.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CustomFieldFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomFieldSortProperty]],
    ) -> Page[CustomField]:
        items = [
            f
            for f in self.live()
            if self.readable(subject, f.organization_id) and _matches(f, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def get_by_slug(self, organization_id: uuid.UUID, slug: str) -> CustomField | None:
        return self.find(lambda f: f.organization_id == organization_id and f.slug == slug)

    def _refuse_taken(self, custom_field: CustomField) -> None:
        # The SQL adapter's unique index, in memory: among live fields only.
        if custom_field.deleted_at is not None:
            return
        for other in self.live():
            if (
                other.id != custom_field.id
                and other.organization_id == custom_field.organization_id
                and other.slug == custom_field.slug
            ):
                raise ValidationFailed.single(("body", "slug"), SLUG_TAKEN)

    async def create(self, entity: CustomField) -> CustomField:
        self._refuse_taken(entity)
        return await super().create(entity)

    async def update(
        self, entity: CustomField, changes: dict[str, Any] | None = None
    ) -> CustomField:
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        self._refuse_taken(entity)
        return await super().update(entity)
