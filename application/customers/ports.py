from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from application.auth import AuthSubject
from application.customers.sorting import CustomerSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from application.payment_methods.ports import PaymentMethodRepository
from domain.customer import Customer


@dataclass(frozen=True)
class CustomerFilters:
    """List filters; `None` (or empty) means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    # The email, compared case-insensitively.
    email: str | None = None
    # Email, name or external id contains it, ignoring case (a plain substring: `%` and `_`
    # have no special meaning).
    query: str | None = None
    # metadata[key] is one of the values (each value compared as its string form).
    metadata: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # True: with a trialing, active or past-due subscription (Polar's billable statuses);
    # False: without one.
    active: bool | None = None


class CustomerRepository(Protocol):
    """Customers. Every lookup ignores soft-deleted rows, but `get_including_deleted`.

    A customer is readable by the members of its organization and by the organization itself.
    Among an organization's live customers, emails are unique compared case-insensitively and
    external ids are unique: `create` and `update` raise AlreadyTaken (a ValidationFailed)
    naming `email` or `external_id` when another live customer holds it.
    """

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Customer | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends, for a write that
        reads, decides and writes: a concurrent writer of the same row waits, and once a
        concurrent deletion commits the row is not found."""
        ...

    async def get_readable_by_external_id(
        self, subject: AuthSubject, external_id: str, *, lock: bool = False
    ) -> Customer | None:
        """The live customer with `external_id` in an organization `subject` reads. A user
        member of several organizations may find several: the oldest is returned."""
        ...

    async def get_by_id(self, id: uuid.UUID) -> Customer | None:
        """The live customer with `id`, whoever reads it: for a subject that is the customer
        (a customer session), never for a merchant's request."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> Customer | None:
        """The customer even when soft-deleted (the `customer.deleted` webhook shows it)."""
        ...

    async def get_including_deleted_for_share(self, id: uuid.UUID) -> Customer | None:
        """The customer even when soft-deleted, held (FOR SHARE) until the unit of work ends:
        a concurrent deletion waits for that unit of work, or, committed first, is seen. A grant
        job reads its customer so, and grants nothing to a deleted one."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CustomerFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomerSortProperty]],
    ) -> Page[Customer]: ...

    async def list_after(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Customer]:
        """Up to `limit` readable customers, oldest first (by creation, then id), strictly
        after the `(created_at, id)` of `after`: an export walks every customer with it, one
        bounded batch at a time, whatever their number."""
        ...

    async def get_by_email(self, organization_id: uuid.UUID, email: str) -> Customer | None:
        """The organization's live customer with `email`, compared case-insensitively."""
        ...

    async def get_by_external_id(
        self, organization_id: uuid.UUID, external_id: str
    ) -> Customer | None: ...

    async def create(self, customer: Customer) -> Customer: ...

    async def create_guarded(self, customer: Customer) -> Customer:
        """`create`, such that its refusal leaves the unit of work usable: when a live
        customer holds the email or external id (one a concurrent transaction committed after
        this one looked), AlreadyTaken is raised with only this insert undone, so the caller
        may read that customer and go on."""
        ...

    async def update(self, customer: Customer, changes: dict[str, Any] | None = None) -> Customer:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...


class CustomerUnitOfWork(TenancyUnitOfWork, Protocol):
    customers: CustomerRepository
    payment_methods: PaymentMethodRepository
