"""In-memory repositories, honouring the same contracts as the SQLAlchemy ones."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.kit.errors import ValidationFailed
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty
from application.tokens.sorting import AccessTokenSortProperty
from domain.access_token import OrganizationAccessToken, PersonalAccessToken
from domain.membership import Membership
from domain.organization import Organization
from domain.user import User


class InMemoryUserRepository(MemoryRepository[User]):
    table_name = "users"

    async def get(self, id: uuid.UUID) -> User | None:
        return await self.get_by_id(id)

    async def get_by_email(self, email: str) -> User | None:
        return self.find(lambda u: u.email.lower() == email.lower())

    async def create(self, entity: User) -> User:
        if await self.get_by_email(entity.email) is not None:
            raise ValidationFailed.single(
                ("body", "email"), "A user with this email already exists."
            )
        return await super().create(entity)


class InMemoryMembershipRepository(MemoryRepository[Membership]):
    table_name = "memberships"

    async def get(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> Membership | None:
        return self.find(lambda m: m.user_id == user_id and m.organization_id == organization_id)

    async def list_for_organization(self, organization_id: uuid.UUID) -> Sequence[Membership]:
        found = [m for m in self.live() if m.organization_id == organization_id]
        return [copy.deepcopy(m) for m in sorted(found, key=lambda m: (m.created_at, m.id.int))]


class InMemoryOrganizationRepository(MemoryRepository[Organization]):
    table_name = "organizations"
    sort_keys: dict[Any, Any] = {
        OrganizationSortProperty.created_at: lambda o: o.created_at,
        OrganizationSortProperty.slug: lambda o: o.slug,
        OrganizationSortProperty.name: lambda o: o.name,
        OrganizationSortProperty.next_review_threshold: lambda o: o.status_changed_at,
        OrganizationSortProperty.days_in_status: lambda o: o.status_changed_at,
    }

    async def get(self, id: uuid.UUID) -> Organization | None:
        return await self.get_by_id(id)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Organization | None:
        return self.find(lambda o: o.id == id and self.readable(subject, o.id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        slug: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrganizationSortProperty]],
    ) -> Page[Organization]:
        items = [
            o
            for o in self.live()
            if self.readable(subject, o.id) and (slug is None or o.slug == slug)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def get_by_slug(self, slug: str) -> Organization | None:
        return self.find(lambda o: o.slug == slug)

    async def create(self, entity: Organization) -> Organization:
        if await self.get_by_slug(entity.slug) is not None:
            raise ValidationFailed.single(
                ("body", "slug"), "An organization with this slug already exists."
            )
        return await super().create(entity)


class _TokenUsage:
    rows: dict[uuid.UUID, Any]

    async def record_usage(self, usages: dict[uuid.UUID, datetime]) -> None:
        for id, at in usages.items():
            token = self.rows.get(id)
            if token is not None and (token.last_used_at is None or token.last_used_at < at):
                token.last_used_at = at


class InMemoryPersonalAccessTokenRepository(_TokenUsage, MemoryRepository[PersonalAccessToken]):
    table_name = "personal_access_tokens"

    async def get_usable_by_digest(self, digest: str, now: datetime) -> PersonalAccessToken | None:
        return self.find(
            lambda t: (
                t.token_digest == digest
                and t.is_usable(now)
                and t.user_id in self.live_ids("users")
            )
        )


class InMemoryOrganizationAccessTokenRepository(
    _TokenUsage, MemoryRepository[OrganizationAccessToken]
):
    table_name = "organization_access_tokens"
    sort_keys: dict[Any, Any] = {
        AccessTokenSortProperty.created_at: lambda t: t.created_at,
        AccessTokenSortProperty.comment: lambda t: t.comment,
        AccessTokenSortProperty.last_used_at: lambda t: t.last_used_at,
        AccessTokenSortProperty.organization_id: lambda t: t.organization_id.int,
    }

    async def get_usable_by_digest(
        self, digest: str, now: datetime
    ) -> OrganizationAccessToken | None:
        return self.find(
            lambda t: (
                t.token_digest == digest
                and t.is_usable(now)
                and t.organization_id in self.live_ids("organizations")
            )
        )

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID
    ) -> OrganizationAccessToken | None:
        return self.find(lambda t: t.id == id and self.readable(subject, t.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[AccessTokenSortProperty]],
    ) -> Page[OrganizationAccessToken]:
        items = [
            t
            for t in self.live()
            if self.readable(subject, t.organization_id)
            and (not organization_ids or t.organization_id in organization_ids)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def revoke_all_for_organization(self, organization_id: uuid.UUID, at: datetime) -> int:
        count = 0
        for token in self.live():
            if token.organization_id == organization_id:
                token.deleted_at = at
                token.modified_at = at
                count += 1
        return count
