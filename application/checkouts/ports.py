from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.checkouts.sorting import CheckoutSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from domain.checkout import Checkout, CheckoutStatus
from domain.trial_redemption import TrialRedemption

if TYPE_CHECKING:
    from application.customers.ports import CustomerRepository
    from application.discounts.ports import DiscountRepository
    from application.payment_methods.ports import PaymentMethodRepository
    from application.payments.ports import PaymentRepository
    from application.products.ports import ProductRepository


@dataclass(frozen=True)
class CheckoutFilters:
    """List filters; empty means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    product_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    external_customer_ids: Sequence[str] = ()
    statuses: Sequence[CheckoutStatus] = ()
    # The customer email contains it, ignoring case (a plain substring).
    query: str | None = None


class CheckoutRepository(Protocol):
    """Checkouts, readable by the members of their organization and by the organization
    itself; by their client secret, by whoever holds it."""

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Checkout | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends, without waiting: a
        row another request holds raises RowLocked (as Polar's NOWAIT)."""
        ...

    async def get_by_client_secret(
        self, client_secret: str, *, lock: bool = False
    ) -> Checkout | None:
        """`lock`: as for `get_readable`."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> Checkout | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutSortProperty]],
    ) -> Page[Checkout]: ...

    async def expired_open(self, at: datetime, *, limit: int) -> list[Checkout]:
        """Up to `limit` open checkouts whose `expires_at` is at or before `at`, locked (FOR
        UPDATE SKIP LOCKED: concurrent sweeps take different ones)."""
        ...

    async def get_locked(self, id: uuid.UUID) -> Checkout | None:
        """The checkout, held (FOR UPDATE) until the unit of work ends: a payment's outcome
        and a customer's confirm apply one after the other."""
        ...

    async def count_redeemed(self, discount_id: uuid.UUID, customer_id: uuid.UUID) -> int:
        """How many of the customer's checkouts hold a redemption of the discount (confirmed
        or succeeded with it)."""
        ...

    async def create(self, checkout: Checkout) -> Checkout: ...

    async def update(
        self, checkout: Checkout, changes: dict[str, Any] | None = None
    ) -> Checkout: ...


class TrialRedemptionRepository(Protocol):
    """Who had a trial from an organization, by unaliased email (domain/trial_redemption.py)."""

    async def redeemed(self, organization_id: uuid.UUID, customer_email: str) -> bool: ...

    async def create(self, redemption: TrialRedemption) -> TrialRedemption: ...


class CheckoutUnitOfWork(TenancyUnitOfWork, Protocol):
    checkouts: CheckoutRepository
    products: ProductRepository
    discounts: DiscountRepository
    customers: CustomerRepository
    payments: PaymentRepository
    trial_redemptions: TrialRedemptionRepository
    payment_methods: PaymentMethodRepository
