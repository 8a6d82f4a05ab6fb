"""Ports of the benefit grants module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.auth import AuthSubject
from application.benefit_grants.sorting import BenefitGrantSortProperty
from application.benefits.ports import BenefitRepository, BenefitUnitOfWork
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.license_keys.ports import LicenseKeyRepository
from application.organizations.ports import TenancyUnitOfWork
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.customer import Customer


@dataclass(frozen=True)
class BenefitGrantFilters:
    """List filters; empty (or `None`) means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    benefit_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    external_customer_ids: Sequence[str] = ()
    # Grants have no members yet: naming members matches no grant.
    member_ids: Sequence[uuid.UUID] = ()
    is_granted: bool | None = None


@dataclass(frozen=True)
class GrantScope:
    """What a grant is unique by: one grant per customer, benefit, order and subscription."""

    customer_id: uuid.UUID
    benefit_id: uuid.UUID
    order_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None


class BenefitGrantRepository(Protocol):
    """Benefit grants. A grant is readable by the members of its organization and by the
    organization itself."""

    async def get_including_deleted(self, id: uuid.UUID) -> BenefitGrant | None: ...

    async def get_for_scope(self, scope: GrantScope, *, lock: bool = False) -> BenefitGrant | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends."""
        ...

    async def granted_of_customer(self, customer_id: uuid.UUID) -> list[GrantScope]:
        """The scopes of the customer's grants that are granted (not revoked)."""
        ...

    async def granted_of_order(self, order_id: uuid.UUID) -> list[GrantScope]:
        """The scopes of the order's grants that are granted (not revoked)."""
        ...

    async def claim(self, grant: BenefitGrant) -> tuple[BenefitGrant, bool]:
        """The grant of `grant`'s scope, locked (FOR UPDATE) until the unit of work ends:
        `grant` itself, inserted, when its scope had none (True), else the existing one
        (False). Concurrent claims of one scope wait for each other and find one row. `grant`
        may be a tombstone (a revoke claiming a scope no grant job reached yet)."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: BenefitGrantFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitGrantSortProperty]],
    ) -> Page[BenefitGrant]:
        """The readable grants matching `filters`; tombstones (never granted) are left out."""
        ...

    async def update(
        self, grant: BenefitGrant, changes: dict[str, Any] | None = None
    ) -> BenefitGrant: ...


class CustomerReads(Protocol):
    async def get_including_deleted(self, id: uuid.UUID) -> Customer | None: ...

    async def get_including_deleted_for_share(self, id: uuid.UUID) -> Customer | None:
        """The customer even when soft-deleted, held (FOR SHARE) until the unit of work ends:
        a concurrent deletion waits for that unit of work, or, committed first, is seen. A grant
        job reads its customer so, and grants nothing to a deleted one."""
        ...


class BenefitGrantUnitOfWork(TenancyUnitOfWork, Protocol):
    benefit_grants: BenefitGrantRepository
    benefits: BenefitRepository
    customers: CustomerReads
    # What benefit types issue when granted.
    license_keys: LicenseKeyRepository


class BenefitGrantsOfBenefitUnitOfWork(BenefitUnitOfWork, BenefitGrantUnitOfWork, Protocol):
    """Listing a benefit's grants: the benefit is read first (404 when not readable)."""


@dataclass(frozen=True)
class GrantView:
    """A grant with the customer and the benefit it names, as the API shows it."""

    grant: BenefitGrant
    customer: Customer
    benefit: Benefit

    @property
    def organization_id(self) -> uuid.UUID:
        return self.grant.organization_id
