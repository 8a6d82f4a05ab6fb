from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from application.subscriptions.sorting import SubscriptionSortProperty
from domain.subscription import Subscription, SubscriptionStatus

if TYPE_CHECKING:
    from application.customers.ports import CustomerRepository
    from application.discounts.ports import DiscountRepository
    from application.products.ports import ProductRepository


@dataclass(frozen=True)
class SubscriptionFilters:
    """List filters; empty (or None) means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    product_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    # The customers' external ids (live customers of the subscriptions' organizations).
    external_customer_ids: Sequence[str] = ()
    discount_ids: Sequence[uuid.UUID] = ()
    statuses: Sequence[SubscriptionStatus] = ()
    # True: trialing or active; False: any other status.
    active: bool | None = None
    cancel_at_period_end: bool | None = None
    # metadata[key] is one of the values (each value compared as its string form).
    metadata: Mapping[str, Sequence[str]] = field(default_factory=dict)


class SubscriptionRepository(Protocol):
    """Subscriptions, readable by the members of their organization and by the organization
    itself."""

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Subscription | None: ...

    async def get_including_deleted(self, id: uuid.UUID) -> Subscription | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: SubscriptionFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[SubscriptionSortProperty]],
    ) -> Page[Subscription]: ...

    async def create(self, subscription: Subscription) -> Subscription: ...

    async def update(
        self, subscription: Subscription, changes: dict[str, Any] | None = None
    ) -> Subscription:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...


class SubscriptionUnitOfWork(TenancyUnitOfWork, Protocol):
    subscriptions: SubscriptionRepository
    products: ProductRepository
    customers: CustomerRepository
    discounts: DiscountRepository
