"""Saved payment methods in memory, honouring the same contract as
SqlAlchemyPaymentMethodRepository."""

from __future__ import annotations

import copy
import uuid

from adapters.memory.store import MemoryRepository
from application.kit.pagination import Page, PaginationParams
from domain.payment_method import SavedPaymentMethod


class InMemoryPaymentMethodRepository(MemoryRepository[SavedPaymentMethod]):
    table_name = "payment_methods"

    async def add(self, method: SavedPaymentMethod) -> SavedPaymentMethod:
        # One unit of work at a time holds the store: additions take turns by themselves.
        mine = [m for m in self.live() if m.customer_id == method.customer_id]
        for kept in mine:
            if kept.processor_id == method.processor_id:
                return copy.deepcopy(kept)
        added = copy.deepcopy(method)
        added.is_default = not mine
        self.rows[added.id] = added
        return copy.deepcopy(added)

    async def list_for_customer(
        self, customer_id: uuid.UUID, pagination: PaginationParams
    ) -> Page[SavedPaymentMethod]:
        mine = sorted(
            (m for m in self.live() if m.customer_id == customer_id),
            key=lambda m: (m.is_default, m.created_at, m.id.int),
            reverse=True,
        )
        window = mine[pagination.offset : pagination.offset + pagination.limit]
        return Page(
            items=[copy.deepcopy(m) for m in window],
            total_count=len(mine),
            limit=pagination.limit,
        )
