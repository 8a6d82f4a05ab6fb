"""Organization use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from application.auth import AuthSubject
from application.kit.errors import (
    NotPermitted,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import membership_of, require_manager
from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from application.organizations.ports import OrganizationUnitOfWork
from application.organizations.sorting import OrganizationSortProperty
from application.ports import Clock, CredentialCache
from domain.membership import MemberRole, Membership
from domain.organization import Organization, validate_name, validate_slug

ORGANIZATION_DELETED = "organization.deleted"
ORGANIZATION_UPDATED = "organization.updated"


class OrganizationService:
    def __init__(self, clock: Clock, cache: CredentialCache | None = None) -> None:
        self.clock = clock
        self.cache = cache

    async def list(
        self,
        uow: OrganizationUnitOfWork,
        subject: AuthSubject,
        *,
        slug: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrganizationSortProperty]],
    ) -> Page[Organization]:
        return await uow.organizations.list_readable(
            subject, slug=slug, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: OrganizationUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> Organization:
        organization = await uow.organizations.get_readable(subject, id)
        if organization is None:
            raise ResourceNotFound("Organization not found.")
        return organization

    async def create(
        self, uow: OrganizationUnitOfWork, subject: AuthSubject, command: OrganizationCreate
    ) -> Organization:
        """Create an organization; the user creating it becomes its owner."""
        if not subject.is_user:
            raise NotPermitted("Organizations are created with a personal access token.")
        now = self.clock.now()
        with invariants_as_validation():
            organization = Organization.create(
                name=command.name, slug=command.slug, at=now, **command.domain_changes()
            )
        await self._ensure_slug_free(uow, organization.slug)
        await uow.organizations.create(organization)
        await uow.memberships.create(
            Membership(
                user_id=subject.require_id(),
                organization_id=organization.id,
                role=MemberRole.owner,
                created_at=now,
            )
        )
        return organization

    async def update(
        self,
        uow: OrganizationUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: OrganizationUpdate,
    ) -> Organization:
        organization = await self.get(uow, subject, id)
        await require_manager(uow, subject, organization)
        changes = command.domain_changes()
        if "name" in changes:
            with invariants_as_validation():
                changes["name"] = validate_name(changes["name"])
        organization = await uow.organizations.update(organization, changes)
        uow.enqueue(ORGANIZATION_UPDATED, organization_id=str(organization.id))
        return organization

    async def delete(
        self, uow: OrganizationUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> None:
        """Soft-delete; its access tokens are revoked by the `organization.deleted` job."""
        organization = await self.get(uow, subject, id)
        membership = await membership_of(uow, subject, organization)
        if membership is None or membership.role is not MemberRole.owner:
            raise NotPermitted("Only an owner can delete the organization.")
        organization.soft_delete(self.clock.now())
        await uow.organizations.update(organization)
        if self.cache is not None:
            self.cache.forget_organization(organization.id)
        uow.enqueue(ORGANIZATION_DELETED, organization_id=str(organization.id))

    async def on_deleted(self, uow: OrganizationUnitOfWork, organization_id: uuid.UUID) -> int:
        """Job: revoke every access token of a deleted organization. Safe to run twice."""
        return await uow.organization_access_tokens.revoke_all_for_organization(
            organization_id, self.clock.now()
        )

    async def _ensure_slug_free(self, uow: OrganizationUnitOfWork, slug: str) -> None:
        with invariants_as_validation():
            validate_slug(slug)
        if await uow.organizations.get_by_slug(slug) is not None:
            raise ValidationFailed.single(
                ("body", "slug"), "An organization with this slug already exists.", slug
            )
