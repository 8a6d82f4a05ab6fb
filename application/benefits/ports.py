"""Ports of the benefits module: where benefits are stored, and what each type of benefit knows.

A benefit type is a `BenefitStrategy` registered by the benefits module. The use cases know no
type: they ask the registry for the strategy of the type a request names. Adding a type is one
new adapter (adapters/benefits/) and one line in `BENEFIT_STRATEGIES`
(entrypoints/modules/benefits.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.benefits.sorting import BenefitSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant

if TYPE_CHECKING:
    from application.benefit_grants.ports import BenefitGrantUnitOfWork
    from application.files.ports import FileRepository
    from application.meters.ports import MeterRepository


@dataclass(frozen=True)
class BenefitFilters:
    """List filters; empty (or `None`) means no filter."""

    ids: Sequence[uuid.UUID] = ()
    exclude_ids: Sequence[uuid.UUID] = ()
    organization_ids: Sequence[uuid.UUID] = ()
    types: Sequence[str] = ()
    # Keeps benefits whose description contains it, ignoring case (a plain substring).
    query: str | None = None
    # metadata[key] is one of the values (each value compared as its string form).
    metadata: Mapping[str, Sequence[str]] = field(default_factory=dict)


class BenefitRepository(Protocol):
    """Benefits. Every lookup ignores soft-deleted rows.

    A benefit is readable by the members of its organization and by the organization itself.
    """

    async def get(self, id: uuid.UUID) -> Benefit | None: ...

    async def get_including_deleted(self, id: uuid.UUID) -> Benefit | None:
        """Also a soft-deleted benefit (events about a deleted benefit still describe it)."""
        ...

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Benefit | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends, for a write that
        reads, decides and writes: a concurrent writer of the same row waits, and once a
        concurrent deletion commits the row is not found."""
        ...

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Benefit]:
        """The live benefits among `ids`, whatever their organization, in no particular order.
        `lock` holds them (FOR SHARE) until the unit of work ends: a concurrent deletion
        waits, or was committed and they are left out."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: BenefitFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitSortProperty]],
    ) -> Page[Benefit]: ...

    async def create(self, benefit: Benefit) -> Benefit: ...

    async def update(self, benefit: Benefit, changes: dict[str, Any] | None = None) -> Benefit:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...

    async def detach(self, benefit_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        """Remove the benefit from every product granting it, stamping those products'
        `modified_at` with `at`; the ids of those products."""
        ...


class BenefitStrategy(Protocol):
    """What one type of benefit knows. The type's name is the `type` of the wire format."""

    @property
    def type(self) -> str: ...

    async def validate_properties(
        self, uow: BenefitUnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The properties to store, complete and in the wire format's shape, from what a client
        sent for a benefit of `organization_id`.

        Raise ValidationFailed (locations under `("body", "properties")`) for a broken rule, and
        ResourceNotFound for an id that is not one of the organization's live records.
        """
        ...

    async def grant(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        """Give the benefit to the grant's customer (run by the `benefit.grant` job, inside its
        unit of work, the grant locked); the grant's properties afterwards. Runs again on a
        re-grant of a revoked grant, with the properties the revocation left: it must then
        reuse what it issued before (the same license key)."""
        ...

    async def revoke(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        """Take the benefit back (the `benefit.revoke` job); the grant's properties afterwards."""
        ...


BenefitStrategies = Mapping[str, BenefitStrategy]


class BenefitUnitOfWork(TenancyUnitOfWork, Protocol):
    benefits: BenefitRepository
    # What benefit types point at (downloadables' files, meter credits' meters).
    files: FileRepository
    meters: MeterRepository
