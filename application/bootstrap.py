"""First-run set-up: a user, their organization and a pair of tokens to start calling the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.organizations.commands import OrganizationCreate
from application.organizations.ports import OrganizationUnitOfWork
from application.organizations.service import OrganizationService
from application.ports import Clock
from application.tokens.commands import OrganizationAccessTokenCreate
from application.tokens.ports import TokenUnitOfWork
from application.tokens.service import AccessTokenService
from application.users.ports import UserUnitOfWork
from application.users.service import UserService
from domain.membership import MemberRole, Membership
from domain.organization import slugify


class BootstrapUnitOfWork(UserUnitOfWork, OrganizationUnitOfWork, TokenUnitOfWork, Protocol):
    """A user, an organization and tokens for both."""


@dataclass(frozen=True)
class BootstrapResult:
    user_id: uuid.UUID
    organization_id: uuid.UUID
    organization_slug: str
    personal_access_token: str
    organization_access_token: str


class BootstrapService:
    def __init__(
        self,
        clock: Clock,
        users: UserService,
        organizations: OrganizationService,
        tokens: AccessTokenService,
    ) -> None:
        self.clock = clock
        self.users = users
        self.organizations = organizations
        self.tokens = tokens

    async def bootstrap(
        self, uow: BootstrapUnitOfWork, *, email: str, organization_name: str
    ) -> BootstrapResult:
        """Create or reuse the user and the organization (matched by slug); the user owns it.

        Each run issues new tokens with every merchant scope; earlier tokens stay valid.
        """
        user, _ = await self.users.get_or_create(uow, email)
        slug = slugify(organization_name)
        scopes = sorted(MERCHANT_SCOPES)
        _, pat = await self.tokens.create_personal(uow, user.id, comment="bootstrap", scopes=scopes)
        user_subject = AuthSubject.user(user.id, scopes)
        organization = await uow.organizations.get_by_slug(slug)
        if organization is None:
            organization = await self.organizations.create(
                uow, user_subject, OrganizationCreate(name=organization_name, slug=slug)
            )
        else:
            membership = await uow.memberships.get(user.id, organization.id)
            if membership is None:
                # The operator running bootstrap is trusted to take over an existing organization.
                await uow.memberships.create(
                    Membership(
                        user_id=user.id,
                        organization_id=organization.id,
                        role=MemberRole.owner,
                        created_at=self.clock.now(),
                    )
                )
            elif membership.role is not MemberRole.owner:
                membership.role = MemberRole.owner
                await uow.memberships.update(membership)
        _, oat = await self.tokens.create_organization_token(
            uow,
            user_subject,
            OrganizationAccessTokenCreate(
                organization_id=organization.id, comment="bootstrap", scopes=scopes
            ),
        )
        return BootstrapResult(
            user_id=user.id,
            organization_id=organization.id,
            organization_slug=organization.slug,
            personal_access_token=pat,
            organization_access_token=oat,
        )
