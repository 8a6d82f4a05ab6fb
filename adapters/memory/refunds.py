"""Refunds in memory, honouring the same contract as SqlAlchemyRefundRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.refunds.ports import RefundFilters
from application.refunds.sorting import RefundSortProperty
from domain.refund import Refund, RefundStatus


class InMemoryRefundRepository(MemoryRepository[Refund]):
    table_name = "refunds"
    sort_keys: dict[Any, Any] = {
        RefundSortProperty.created_at: lambda r: r.created_at,
        RefundSortProperty.amount: lambda r: r.amount,
    }

    def _matches(self, refund: Refund, filters: RefundFilters) -> bool:
        checks: list[tuple[Sequence[Any], Any]] = [
            (filters.ids, refund.id),
            (filters.organization_ids, refund.organization_id),
            (filters.order_ids, refund.order_id),
            (filters.subscription_ids, refund.subscription_id),
            (filters.customer_ids, refund.customer_id),
        ]
        if any(wanted and value not in wanted for wanted, value in checks):
            return False
        if filters.succeeded is not None and filters.succeeded != (
            refund.status is RefundStatus.succeeded
        ):
            return False
        if filters.external_customer_ids:
            customer = self.view.table("customers").get(refund.customer_id)
            if customer is None or customer.external_id not in filters.external_customer_ids:
                return False
        return True

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Refund | None:
        return self.find(lambda r: r.id == id and self.readable(subject, r.organization_id))

    async def get_by_processor_id(self, processor_id: str) -> Refund | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda r: r.processor_id == processor_id)

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: RefundFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[RefundSortProperty]],
    ) -> Page[Refund]:
        items = [
            r
            for r in self.live()
            if self.readable(subject, r.organization_id) and self._matches(r, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
