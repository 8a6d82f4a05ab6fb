"""Custom field use cases.

Any member of an organization (or the organization's own token) holding `custom_fields:write`
may create, change and delete its custom fields, as in Polar. Polar sends no webhook event
for custom fields: none are enqueued.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from application.auth import AuthSubject
from application.custom_fields.commands import (
    CustomFieldCreate,
    CustomFieldUpdate,
)
from application.custom_fields.ports import CustomFieldFilters, CustomFieldUnitOfWork
from application.custom_fields.sorting import CustomFieldSortProperty
from application.kit.errors import (
    FieldError,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.ports import Clock
from domain.custom_field import CustomField, CustomFieldType

SLUG_TAKEN = "Custom field with this slug already exists."
NOT_FOUND = "Custom field not found."


class CustomFieldService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: CustomFieldUnitOfWork,
        subject: AuthSubject,
        *,
        filters: CustomFieldFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomFieldSortProperty]],
    ) -> Page[CustomField]:
        return await uow.custom_fields.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self,
        uow: CustomFieldUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        *,
        lock: bool = False,
    ) -> CustomField:
        """The custom field, if `subject` may read it. Writes `lock` it."""
        custom_field = await uow.custom_fields.get_readable(subject, id, lock=lock)
        if custom_field is None:
            raise ResourceNotFound(NOT_FOUND)
        return custom_field

    # --- writes ---------------------------------------------------------------------------------

    async def create(
        self, uow: CustomFieldUnitOfWork, subject: AuthSubject, command: CustomFieldCreate
    ) -> CustomField:
        organization = await target_organization(uow, subject, command.organization_id)
        check_metadata(command.metadata)
        with invariants_as_validation():
            custom_field = CustomField.create(
                at=self.clock.now(),
                organization_id=organization.id,
                type=CustomFieldType(command.type),
                slug=command.slug,
                name=command.name,
                properties=command.properties.document(),
                metadata=dict(command.metadata),
            )
        await self._ensure_free(uow, custom_field)
        await uow.custom_fields.create(custom_field)
        return custom_field

    async def update(
        self,
        uow: CustomFieldUnitOfWork,
        subject: AuthSubject,
        custom_field: CustomField,
        command: CustomFieldUpdate,
    ) -> CustomField:
        """Update `custom_field`, read locked by `get`."""
        changes: dict[str, Any] = {"type": CustomFieldType(command.type)}
        if command.name is not None:
            changes["name"] = command.name
        if command.slug is not None:
            changes["slug"] = command.slug
        if command.properties is not None:
            changes["properties"] = command.properties.document()
        if command.metadata is not None:
            check_metadata(command.metadata)
            changes["metadata"] = dict(command.metadata)
        before_slug = custom_field.slug
        with invariants_as_validation():
            custom_field.revise(changes)
        if custom_field.slug != before_slug:
            await self._ensure_free(uow, custom_field)
        await uow.custom_fields.update(custom_field)
        return custom_field

    async def delete(
        self, uow: CustomFieldUnitOfWork, subject: AuthSubject, custom_field: CustomField
    ) -> None:
        """Soft-delete `custom_field` (read locked): its slug is free again. Of concurrent
        deletions one deletes, the others find nothing (404)."""
        custom_field.soft_delete(self.clock.now())
        await uow.custom_fields.update(custom_field)

    async def _ensure_free(self, uow: CustomFieldUnitOfWork, custom_field: CustomField) -> None:
        """Refuse a slug another live field of the organization holds. The unique index keeps
        the rule under concurrent writes."""
        holder = await uow.custom_fields.get_by_slug(
            custom_field.organization_id, custom_field.slug
        )
        if holder is not None and holder.id != custom_field.id:
            raise ValidationFailed(
                [FieldError(("body", "slug"), SLUG_TAKEN, input=custom_field.slug)]
            )
