"""Orders in memory, honouring the same contract as SqlAlchemyOrderRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.ports import OrderFilters
from application.orders.sorting import OrderSortProperty
from domain.order import Order


class InMemoryOrderRepository(MemoryRepository[Order]):
    table_name = "orders"
    sort_keys: dict[Any, Any] = {
        OrderSortProperty.created_at: lambda o: o.created_at,
        OrderSortProperty.status: lambda o: o.status.value,
        OrderSortProperty.invoice_number: lambda o: None,
        OrderSortProperty.amount: lambda o: o.total_amount,
        OrderSortProperty.net_amount: lambda o: o.net_amount,
        OrderSortProperty.customer: lambda o: str(o.customer_id),
        OrderSortProperty.product: lambda o: None if o.product_id is None else str(o.product_id),
        OrderSortProperty.discount: lambda o: None if o.discount_id is None else str(o.discount_id),
        OrderSortProperty.subscription: lambda o: (
            None if o.subscription_id is None else str(o.subscription_id)
        ),
    }

    def _matches(self, order: Order, filters: OrderFilters) -> bool:
        checks: list[tuple[Sequence[Any], Any]] = [
            (filters.organization_ids, order.organization_id),
            (filters.product_ids, order.product_id),
            (filters.discount_ids, order.discount_id),
            (filters.customer_ids, order.customer_id),
            (filters.checkout_ids, order.checkout_id),
            (filters.subscription_ids, order.subscription_id),
            (filters.statuses, order.status),
        ]
        if any(wanted and value not in wanted for wanted, value in checks):
            return False
        types = set(filters.product_billing_types)
        if types == {"one_time"} and order.subscription_id is not None:
            return False
        if types == {"recurring"} and order.subscription_id is None:
            return False
        if filters.external_customer_ids:
            customer = self.view.table("customers").get(order.customer_id)
            if customer is None or customer.external_id not in filters.external_customer_ids:
                return False
        return True

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Order | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda o: o.id == id and self.readable(subject, o.organization_id))

    async def get_by_checkout(self, checkout_id: uuid.UUID) -> Order | None:
        return self.find(lambda o: o.checkout_id == checkout_id)

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: OrderFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrderSortProperty]],
    ) -> Page[Order]:
        items = [
            o
            for o in self.live()
            if self.readable(subject, o.organization_id) and self._matches(o, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
