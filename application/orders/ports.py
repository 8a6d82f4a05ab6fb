"""The orders' repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.sorting import OrderSortProperty
from application.organizations.ports import TenancyUnitOfWork
from domain.order import Order, OrderStatus

if TYPE_CHECKING:
    from application.customers.ports import CustomerRepository
    from application.discounts.ports import DiscountRepository
    from application.payments.ports import PaymentRepository
    from application.products.ports import ProductRepository


@dataclass(frozen=True)
class OrderFilters:
    """List filters; empty means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    product_ids: Sequence[uuid.UUID] = ()
    # "one_time" or "recurring": orders of purchases, or of subscriptions.
    product_billing_types: Sequence[str] = ()
    discount_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    external_customer_ids: Sequence[str] = ()
    checkout_ids: Sequence[uuid.UUID] = ()
    subscription_ids: Sequence[uuid.UUID] = ()
    statuses: Sequence[OrderStatus] = ()


class OrderRepository(Protocol):
    """Orders, readable by the members of their organization and by the organization itself."""

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Order | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends: refunds of one order
        apply one after the other."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> Order | None: ...

    async def get_by_checkout(self, checkout_id: uuid.UUID) -> Order | None:
        """The order a checkout made, if any (one at most)."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: OrderFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrderSortProperty]],
    ) -> Page[Order]: ...

    async def create(self, order: Order) -> Order: ...

    async def update(self, order: Order, changes: dict[str, Any] | None = None) -> Order: ...


class OrderUnitOfWork(TenancyUnitOfWork, Protocol):
    orders: OrderRepository
    customers: CustomerRepository
    products: ProductRepository
    discounts: DiscountRepository
    payments: PaymentRepository
