"""Customers in memory, honouring the same contract as SqlAlchemyCustomerRepository."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.store import MemoryRepository, metadata_matches
from application.auth import AuthSubject
from application.customers.ports import CustomerFilters
from application.customers.service import EMAIL_TAKEN, EXTERNAL_ID_TAKEN
from application.customers.sorting import CustomerSortProperty
from application.kit.errors import AlreadyTaken
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.customer import Customer, email_key
from domain.subscription import BILLABLE_STATUSES


def _contains(haystack: str | None, needle: str) -> bool:
    return haystack is not None and needle.lower() in haystack.lower()


def _matches(customer: Customer, filters: CustomerFilters) -> bool:
    if filters.organization_ids and customer.organization_id not in filters.organization_ids:
        return False
    if filters.email is not None and (
        customer.email is None or email_key(customer.email) != email_key(filters.email)
    ):
        return False
    if filters.query is not None and not any(
        _contains(text, filters.query)
        for text in (customer.email, customer.name, customer.external_id)
    ):
        return False
    return metadata_matches(customer.metadata, filters.metadata)


class InMemoryCustomerRepository(MemoryRepository[Customer]):
    table_name = "customers"
    sort_keys: dict[Any, Any] = {
        CustomerSortProperty.created_at: lambda c: c.created_at,
        CustomerSortProperty.email: lambda c: c.email,
        CustomerSortProperty.name: lambda c: c.name,
    }

    async def get_including_deleted_for_share(self, id: uuid.UUID) -> Customer | None:
        # No lock to take (see `get_readable`).
        return await self.get_including_deleted(id)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Customer | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda c: c.id == id and self.readable(subject, c.organization_id))

    async def get_readable_by_external_id(
        self, subject: AuthSubject, external_id: str, *, lock: bool = False
    ) -> Customer | None:
        found = sorted(
            (
                c
                for c in self.live()
                if c.external_id == external_id and self.readable(subject, c.organization_id)
            ),
            key=lambda c: (c.created_at, c.id.int),
        )
        return copy.deepcopy(found[0]) if found else None

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CustomerFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomerSortProperty]],
    ) -> Page[Customer]:
        items = [
            c
            for c in self.live()
            if self.readable(subject, c.organization_id) and _matches(c, filters)
        ]
        if filters.active is not None:
            billable = {
                s.customer_id
                for s in self.view.table("subscriptions").values()
                if s.deleted_at is None and s.status in BILLABLE_STATUSES
            }
            items = [c for c in items if (c.id in billable) == filters.active]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def list_after(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Customer]:
        def key(c: Customer) -> tuple[datetime, int]:
            return (c.created_at, c.id.int)

        items = sorted(
            (
                c
                for c in self.live()
                if self.readable(subject, c.organization_id)
                and (not organization_ids or c.organization_id in organization_ids)
                and (after is None or key(c) > (after[0], after[1].int))
            ),
            key=key,
        )
        return [copy.deepcopy(c) for c in items[:limit]]

    async def get_by_email(self, organization_id: uuid.UUID, email: str) -> Customer | None:
        key = email_key(email)
        return self.find(
            lambda c: (
                c.organization_id == organization_id
                and c.email is not None
                and email_key(c.email) == key
            )
        )

    async def get_by_external_id(
        self, organization_id: uuid.UUID, external_id: str
    ) -> Customer | None:
        return self.find(
            lambda c: c.organization_id == organization_id and c.external_id == external_id
        )

    def _refuse_taken(self, customer: Customer) -> None:
        # The SQL adapter's unique indexes, in memory: among live customers only.
        if customer.deleted_at is not None:
            return
        for other in self.live():
            if other.id == customer.id or other.organization_id != customer.organization_id:
                continue
            if (
                customer.email is not None
                and other.email is not None
                and email_key(other.email) == email_key(customer.email)
            ):
                raise AlreadyTaken("email", EMAIL_TAKEN)
            if customer.external_id is not None and other.external_id == customer.external_id:
                raise AlreadyTaken("external_id", EXTERNAL_ID_TAKEN)

    async def create(self, entity: Customer) -> Customer:
        self._refuse_taken(entity)
        return await super().create(entity)

    async def create_guarded(self, entity: Customer) -> Customer:
        # `create` checks before it stores: a refusal leaves nothing to undo.
        return await self.create(entity)

    async def update(self, entity: Customer, changes: dict[str, Any] | None = None) -> Customer:
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        self._refuse_taken(entity)
        return await super().update(entity)
