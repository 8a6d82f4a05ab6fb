from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty
from application.uow import UnitOfWork
from domain.membership import Membership
from domain.organization import Organization

if TYPE_CHECKING:  # tokens' ports build on TenancyUnitOfWork below
    from application.tokens.ports import OrganizationAccessTokenRepository


class OrganizationRepository(Protocol):
    """Organizations. Every lookup ignores soft-deleted rows."""

    async def get(self, id: uuid.UUID) -> Organization | None: ...

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Organization | None:
        """The organization if `subject` may read it: a member user, or the organization itself."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        slug: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrganizationSortProperty]],
    ) -> Page[Organization]: ...

    async def get_by_slug(self, slug: str) -> Organization | None: ...

    async def create(self, organization: Organization) -> Organization:
        """Insert. A live organization with the same slug raises ValidationFailed naming `slug`."""
        ...

    async def update(
        self, organization: Organization, changes: dict[str, Any] | None = None
    ) -> Organization:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...


class MembershipRepository(Protocol):
    async def get(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> Membership | None: ...

    async def create(self, membership: Membership) -> Membership: ...

    async def update(self, membership: Membership) -> Membership: ...

    async def list_for_organization(self, organization_id: uuid.UUID) -> Sequence[Membership]: ...


class TenancyUnitOfWork(UnitOfWork, Protocol):
    """What choosing the organization a write applies to reads (application/kit/tenancy.py):
    every module writing an organization's data includes it."""

    organizations: OrganizationRepository
    memberships: MembershipRepository


class OrganizationUnitOfWork(TenancyUnitOfWork, Protocol):
    # A deleted organization's access tokens are revoked.
    organization_access_tokens: OrganizationAccessTokenRepository
