"""Who is asking: the authenticated subject and what it may do."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.scopes import CUSTOMER_SCOPES, MERCHANT_SCOPES, Scope, implied

__all__ = ["CUSTOMER_SCOPES", "MERCHANT_SCOPES", "AuthSubject", "Scope", "SubjectKind"]


class SubjectKind(StrEnum):
    user = "user"
    organization = "organization"
    customer = "customer"
    anonymous = "anonymous"


@dataclass(frozen=True)
class AuthSubject:
    kind: SubjectKind
    id: uuid.UUID | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    # The credential that authenticated the subject (None for anonymous).
    token_id: uuid.UUID | None = None
    # When that credential expires (None: never, or no credential). What the subject creates
    # on its behalf (tokens) expires no later.
    expires_at: datetime | None = None
    # A customer's organization (a customer subject's `id` is the customer's).
    organization_id: uuid.UUID | None = None

    @classmethod
    def anonymous(cls) -> AuthSubject:
        return cls(SubjectKind.anonymous)

    @classmethod
    def user(
        cls,
        user_id: uuid.UUID,
        scopes: Iterable[Scope],
        token_id: uuid.UUID | None = None,
        expires_at: datetime | None = None,
    ) -> AuthSubject:
        return cls(SubjectKind.user, user_id, implied(scopes), token_id, expires_at)

    @classmethod
    def organization(
        cls,
        organization_id: uuid.UUID,
        scopes: Iterable[Scope],
        token_id: uuid.UUID | None = None,
        expires_at: datetime | None = None,
    ) -> AuthSubject:
        return cls(SubjectKind.organization, organization_id, implied(scopes), token_id, expires_at)

    @classmethod
    def customer(
        cls,
        customer_id: uuid.UUID,
        organization_id: uuid.UUID,
        token_id: uuid.UUID | None = None,
        expires_at: datetime | None = None,
    ) -> AuthSubject:
        """A customer, authenticated by a customer session: it may use the customer portal
        (`customer_portal:*`) and read none of the merchant's data."""
        return cls(
            SubjectKind.customer,
            customer_id,
            CUSTOMER_SCOPES,
            token_id,
            expires_at,
            organization_id,
        )

    @property
    def is_user(self) -> bool:
        return self.kind is SubjectKind.user

    @property
    def is_organization(self) -> bool:
        return self.kind is SubjectKind.organization

    @property
    def is_customer(self) -> bool:
        return self.kind is SubjectKind.customer

    @property
    def is_anonymous(self) -> bool:
        return self.kind is SubjectKind.anonymous

    def require_id(self) -> uuid.UUID:
        assert self.id is not None, "anonymous subjects have no id"
        return self.id

    def has_any_scope(self, required: Iterable[Scope]) -> bool:
        required = set(required)
        return not required or bool(self.scopes & required)
