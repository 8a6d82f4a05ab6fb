"""Checkouts in memory, honouring the same contract as SqlAlchemyCheckoutRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.checkouts.ports import CheckoutFilters
from application.checkouts.sorting import CheckoutSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.checkout import Checkout, CheckoutStatus


def _matches(checkout: Checkout, filters: CheckoutFilters) -> bool:
    checks: list[tuple[Sequence[Any], Any]] = [
        (filters.organization_ids, checkout.organization_id),
        (filters.product_ids, checkout.product_id),
        (filters.customer_ids, checkout.customer_id),
        (filters.external_customer_ids, checkout.external_customer_id),
        (filters.statuses, checkout.status),
    ]
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if filters.query:
        return filters.query.lower() in (checkout.customer_email or "").lower()
    return True


class InMemoryCheckoutRepository(MemoryRepository[Checkout]):
    table_name = "checkouts"
    sort_keys: dict[Any, Any] = {
        CheckoutSortProperty.created_at: lambda c: c.created_at,
        CheckoutSortProperty.expires_at: lambda c: c.expires_at,
        CheckoutSortProperty.status: lambda c: c.status.value,
    }

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Checkout | None:
        return self.find(lambda c: c.id == id and self.readable(subject, c.organization_id))

    async def get_by_client_secret(
        self, client_secret: str, *, lock: bool = False
    ) -> Checkout | None:
        return self.find(lambda c: c.client_secret == client_secret)

    async def get_locked(self, id: uuid.UUID) -> Checkout | None:
        return await self.get_by_id(id)

    async def count_redeemed(self, discount_id: uuid.UUID, customer_id: uuid.UUID) -> int:
        held = (CheckoutStatus.confirmed, CheckoutStatus.succeeded)
        return sum(
            1
            for c in self.live()
            if c.discount_id == discount_id and c.customer_id == customer_id and c.status in held
        )

    async def expired_open(self, at: datetime, *, limit: int) -> list[Checkout]:
        due = [c for c in self.live() if c.status is CheckoutStatus.open and c.expires_at <= at]
        return sorted(due, key=lambda c: c.expires_at)[:limit]

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutSortProperty]],
    ) -> Page[Checkout]:
        items = [
            c
            for c in self.live()
            if self.readable(subject, c.organization_id) and _matches(c, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
