"""Access-token use cases: issuing, listing, changing and revoking tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from application.auth import AuthSubject
from application.kit.errors import NotPermitted, ResourceNotFound, ValidationFailed
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import require_manager, target_organization
from application.ports import Clock, CredentialCache, TokenHasher
from application.tokens.commands import OrganizationAccessTokenCreate, OrganizationAccessTokenUpdate
from application.tokens.ports import TokenUnitOfWork
from application.tokens.sorting import AccessTokenSortProperty
from domain.access_token import OrganizationAccessToken, PersonalAccessToken, TokenKind
from domain.scopes import Scope, missing_for_delegation


def _check_delegation(subject: AuthSubject, requested: Iterable[Scope]) -> frozenset[Scope]:
    requested = frozenset(requested)
    missing = missing_for_delegation(subject.scopes, requested)
    if missing:
        names = ", ".join(sorted(s.value for s in missing))
        raise ValidationFailed.single(
            ("body", "scopes"), f"You cannot grant scopes you do not have: {names}."
        )
    return requested


def _check_expiry(
    subject: AuthSubject, expires_in: timedelta | None, now: datetime
) -> datetime | None:
    """When a token `subject` creates expires: never later than the credential creating it (a
    token expiring in 30 s could otherwise mint one that never expires)."""
    expires_at = now + expires_in if expires_in else None
    limit = subject.expires_at
    if limit is not None and (expires_at is None or expires_at > limit):
        remaining = max(0, int((limit - now).total_seconds()))
        raise ValidationFailed.single(
            ("body", "expires_in"),
            "A token cannot outlive the credential creating it, which expires at "
            f"{limit.isoformat()}: set expires_in to at most {remaining} seconds.",
            expires_in.total_seconds() if expires_in else None,
        )
    return expires_at


def _check_manageable(subject: AuthSubject, token: OrganizationAccessToken) -> None:
    """A subject changes or revokes only tokens it could have issued: none holding a scope it
    does not hold itself (or a token with one scope could strip or revoke any other)."""
    missing = missing_for_delegation(subject.scopes, token.scopes)
    if missing:
        names = ", ".join(sorted(s.value for s in missing))
        raise NotPermitted(
            f"This token holds scopes you do not have ({names}): you cannot change or revoke it."
        )


class AccessTokenService:
    def __init__(
        self, clock: Clock, hasher: TokenHasher, cache: CredentialCache | None = None
    ) -> None:
        self.clock = clock
        self.hasher = hasher
        self.cache = cache

    async def create_personal(
        self,
        uow: TokenUnitOfWork,
        user_id: uuid.UUID,
        *,
        comment: str,
        scopes: Iterable[Scope],
        expires_in: timedelta | None = None,
    ) -> tuple[PersonalAccessToken, str]:
        """Issue a personal access token; returns the record and the secret, shown once."""
        now = self.clock.now()
        secret = self.hasher.generate(TokenKind.personal.value)
        token = PersonalAccessToken(
            user_id=user_id,
            token_digest=self.hasher.digest(secret),
            comment=comment,
            scopes=frozenset(scopes),
            expires_at=now + expires_in if expires_in else None,
            created_at=now,
        )
        await uow.personal_access_tokens.create(token)
        return token, secret

    async def create_organization_token(
        self, uow: TokenUnitOfWork, subject: AuthSubject, command: OrganizationAccessTokenCreate
    ) -> tuple[OrganizationAccessToken, str]:
        organization = await target_organization(uow, subject, command.organization_id)
        await require_manager(uow, subject, organization)
        scopes = _check_delegation(subject, command.scopes)
        now = self.clock.now()
        expires_at = _check_expiry(subject, command.expires_in, now)
        secret = self.hasher.generate(TokenKind.organization.value)
        token = OrganizationAccessToken(
            organization_id=organization.id,
            token_digest=self.hasher.digest(secret),
            comment=command.comment,
            scopes=scopes,
            expires_at=expires_at,
            created_at=now,
        )
        await uow.organization_access_tokens.create(token)
        return token, secret

    async def list_organization_tokens(
        self,
        uow: TokenUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[AccessTokenSortProperty]],
    ) -> Page[OrganizationAccessToken]:
        return await uow.organization_access_tokens.list_readable(
            subject, organization_ids=organization_ids, pagination=pagination, sorting=sorting
        )

    async def update_organization_token(
        self,
        uow: TokenUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: OrganizationAccessTokenUpdate,
    ) -> OrganizationAccessToken:
        token = await self._get_manageable(uow, subject, id)
        changes: dict[str, object] = {}
        if command.comment is not None:
            changes["comment"] = command.comment
        if command.scopes is not None:
            changes["scopes"] = _check_delegation(subject, command.scopes)
            self._forget(token.id)
        return await uow.organization_access_tokens.update(token, changes)

    async def revoke_organization_token(
        self, uow: TokenUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> None:
        token = await self._get_manageable(uow, subject, id)
        token.revoke(self.clock.now())
        await uow.organization_access_tokens.update(token)
        self._forget(token.id)

    def _forget(self, token_id: uuid.UUID) -> None:
        # Evicting before the commit is safe: at worst the next request looks the token up again.
        if self.cache is not None:
            self.cache.forget_token(token_id)

    async def _get_manageable(
        self, uow: TokenUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> OrganizationAccessToken:
        token = await uow.organization_access_tokens.get_readable(subject, id)
        if token is None:
            raise ResourceNotFound("Organization access token not found.")
        organization = await uow.organizations.get_readable(subject, token.organization_id)
        if organization is None:
            raise ResourceNotFound("Organization access token not found.")
        await require_manager(uow, subject, organization)
        _check_manageable(subject, token)
        return token
