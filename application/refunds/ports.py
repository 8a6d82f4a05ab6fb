"""The refunds' repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.ports import OrderUnitOfWork
from application.refunds.sorting import RefundSortProperty
from domain.refund import Refund


@dataclass(frozen=True)
class RefundFilters:
    """List filters; empty (or None) means no filter."""

    ids: Sequence[uuid.UUID] = ()
    organization_ids: Sequence[uuid.UUID] = ()
    order_ids: Sequence[uuid.UUID] = ()
    subscription_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    external_customer_ids: Sequence[str] = ()
    succeeded: bool | None = None


class RefundRepository(Protocol):
    """Refunds, readable by the members of their organization and by the organization itself."""

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Refund | None: ...

    async def get_including_deleted(self, id: uuid.UUID) -> Refund | None: ...

    async def get_by_processor_id(self, processor_id: str) -> Refund | None:
        """The refund the processor knows as `processor_id`, held (FOR UPDATE) until the unit
        of work ends: two reports of one outcome apply one after the other."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: RefundFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[RefundSortProperty]],
    ) -> Page[Refund]: ...

    async def create(self, refund: Refund) -> Refund: ...

    async def update(self, refund: Refund) -> Refund: ...


class RefundUnitOfWork(OrderUnitOfWork, Protocol):
    refunds: RefundRepository
