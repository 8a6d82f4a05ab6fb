from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.auth import AuthSubject
from application.custom_fields.sorting import CustomFieldSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from domain.custom_field import CustomField, CustomFieldType


@dataclass(frozen=True)
class CustomFieldFilters:
    """List filters; `None` (or empty) means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    # Name or slug contains it, ignoring case (a plain substring: `%` and `_` have no special
    # meaning).
    query: str | None = None
    types: Sequence[CustomFieldType] = ()


class CustomFieldRepository(Protocol):
    """Custom fields. Every lookup ignores soft-deleted rows, but `get_including_deleted`.

    A custom field is readable by the members of its organization and by the organization
    itself. Among an organization's live fields slugs are unique: `create` and `update` raise
    ValidationFailed naming `slug` when another live field holds it.
    """

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CustomField | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> CustomField | None: ...

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[CustomField]:
        """The live fields among `ids` (any organization's: callers check it)."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CustomFieldFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomFieldSortProperty]],
    ) -> Page[CustomField]: ...

    async def get_by_slug(self, organization_id: uuid.UUID, slug: str) -> CustomField | None:
        """The organization's live field with `slug`."""
        ...

    async def create(self, custom_field: CustomField) -> CustomField: ...

    async def update(
        self, custom_field: CustomField, changes: dict[str, Any] | None = None
    ) -> CustomField:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...


class CustomFieldUnitOfWork(TenancyUnitOfWork, Protocol):
    custom_fields: CustomFieldRepository
