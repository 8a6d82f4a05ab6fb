"""Payments in memory, honouring the same contract as SqlAlchemyPaymentRepository."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.payments.ports import PaymentFilters
from application.payments.sorting import PaymentSortProperty
from domain.payment import Payment, PaymentStatus


def _matches(payment: Payment, filters: PaymentFilters) -> bool:
    checks: list[tuple[Sequence[Any], Any]] = [
        (filters.organization_ids, payment.organization_id),
        (filters.checkout_ids, payment.checkout_id),
        (filters.order_ids, payment.order_id),
        (filters.customer_ids, payment.customer_id),
        (filters.statuses, payment.status),
        (filters.methods, payment.method.value),
    ]
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if filters.customer_emails:
        email = (payment.customer_email or "").lower()
        if payment.customer_email is None or email not in {
            e.lower() for e in filters.customer_emails
        }:
            return False
    return True


class InMemoryPaymentRepository(MemoryRepository[Payment]):
    table_name = "payments"
    sort_keys: dict[Any, Any] = {
        PaymentSortProperty.created_at: lambda p: p.created_at,
        PaymentSortProperty.status: lambda p: p.status.value,
        PaymentSortProperty.amount: lambda p: p.amount,
        PaymentSortProperty.method: lambda p: p.method.value,
    }

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Payment | None:
        return self.find(lambda p: p.id == id and self.readable(subject, p.organization_id))

    async def get_by_processor_id(self, processor_id: str, *, lock: bool = False) -> Payment | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda p: p.processor_id == processor_id)

    async def latest_for_checkout(self, checkout_id: uuid.UUID) -> Payment | None:
        attempts = [p for p in self.live() if p.checkout_id == checkout_id]
        if not attempts:
            return None
        return copy.deepcopy(max(attempts, key=lambda p: p.created_at))

    async def succeeded_for_order(self, order_id: uuid.UUID) -> Payment | None:
        paid = [
            p for p in self.live() if p.order_id == order_id and p.status is PaymentStatus.succeeded
        ]
        return copy.deepcopy(max(paid, key=lambda p: p.created_at)) if paid else None

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: PaymentFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[PaymentSortProperty]],
    ) -> Page[Payment]:
        items = [
            p
            for p in self.live()
            if self.readable(subject, p.organization_id) and _matches(p, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
