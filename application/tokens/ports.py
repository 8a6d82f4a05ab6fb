from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from application.tokens.sorting import AccessTokenSortProperty
from domain.access_token import OrganizationAccessToken, PersonalAccessToken


class PersonalAccessTokenRepository(Protocol):
    async def get_usable_by_digest(self, digest: str, now: datetime) -> PersonalAccessToken | None:
        """A live, unexpired token whose user is live; None otherwise."""
        ...

    async def create(self, token: PersonalAccessToken) -> PersonalAccessToken: ...

    async def record_usage(self, usages: dict[uuid.UUID, datetime]) -> None:
        """Set `last_used_at` for many tokens at once, never moving it backwards."""
        ...


class OrganizationAccessTokenRepository(Protocol):
    async def get_usable_by_digest(
        self, digest: str, now: datetime
    ) -> OrganizationAccessToken | None:
        """A live, unexpired token whose organization is live; None otherwise."""
        ...

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID
    ) -> OrganizationAccessToken | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[AccessTokenSortProperty]],
    ) -> Page[OrganizationAccessToken]: ...

    async def create(self, token: OrganizationAccessToken) -> OrganizationAccessToken: ...

    async def update(
        self, token: OrganizationAccessToken, changes: dict[str, Any] | None = None
    ) -> OrganizationAccessToken: ...

    async def revoke_all_for_organization(self, organization_id: uuid.UUID, at: datetime) -> int:
        """Soft-delete every live token of the organization; returns how many were revoked."""
        ...

    async def record_usage(self, usages: dict[uuid.UUID, datetime]) -> None: ...


class TokenUnitOfWork(TenancyUnitOfWork, Protocol):
    personal_access_tokens: PersonalAccessTokenRepository
    organization_access_tokens: OrganizationAccessTokenRepository
