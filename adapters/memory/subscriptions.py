"""Subscriptions in memory, honouring the same contract as SqlAlchemySubscriptionRepository."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from adapters.memory.store import MemoryRepository, metadata_matches
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.subscriptions.ports import SubscriptionFilters
from application.subscriptions.sorting import SubscriptionSortProperty
from domain.subscription import Subscription


class InMemorySubscriptionRepository(MemoryRepository[Subscription]):
    table_name = "subscriptions"

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Subscription | None:
        return self.find(lambda s: s.id == id and self.readable(subject, s.organization_id))

    def _related(self, table: str, attribute: str) -> Callable[[uuid.UUID | None], Any]:
        rows = self.view.table(table)

        def value(id: uuid.UUID | None) -> Any:
            row = None if id is None else rows.get(id)
            return None if row is None else getattr(row, attribute)

        return value

    def _matches(self, s: Subscription, filters: SubscriptionFilters) -> bool:
        checks: list[tuple[Sequence[Any], Any]] = [
            (filters.organization_ids, s.organization_id),
            (filters.product_ids, s.product_id),
            (filters.customer_ids, s.customer_id),
            (filters.discount_ids, s.discount_id),
            (filters.statuses, s.status),
        ]
        if any(wanted and value not in wanted for wanted, value in checks):
            return False
        if filters.external_customer_ids:
            customer = self.view.table("customers").get(s.customer_id)
            if (
                customer is None
                or customer.deleted_at is not None
                or customer.external_id not in filters.external_customer_ids
            ):
                return False
        if filters.active is not None and s.is_active != filters.active:
            return False
        if (
            filters.cancel_at_period_end is not None
            and s.cancel_at_period_end != filters.cancel_at_period_end
        ):
            return False
        return metadata_matches(s.metadata, filters.metadata)

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: SubscriptionFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[SubscriptionSortProperty]],
    ) -> Page[Subscription]:
        email = self._related("customers", "email")
        product_name = self._related("products", "name")
        discount_name = self._related("discounts", "name")
        keys: dict[Any, Callable[[Subscription], Any]] = {
            SubscriptionSortProperty.customer: lambda s: email(s.customer_id),
            SubscriptionSortProperty.status: lambda s: s.status.value,
            SubscriptionSortProperty.started_at: lambda s: s.started_at,
            SubscriptionSortProperty.current_period_end: lambda s: s.current_period_end,
            SubscriptionSortProperty.ended_at: lambda s: s.ended_at,
            SubscriptionSortProperty.ends_at: lambda s: s.ends_at,
            SubscriptionSortProperty.amount: lambda s: s.amount,
            SubscriptionSortProperty.product: lambda s: product_name(s.product_id),
            SubscriptionSortProperty.discount: lambda s: discount_name(s.discount_id),
        }
        items = [
            s
            for s in self.live()
            if self.readable(subject, s.organization_id) and self._matches(s, filters)
        ]
        return self.paginate(items, pagination, sorting, keys)
