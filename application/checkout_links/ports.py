from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from application.auth import AuthSubject
from application.checkout_links.sorting import CheckoutLinkSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from domain.checkout_link import CheckoutLink

if TYPE_CHECKING:
    from application.checkouts.ports import CheckoutRepository, TrialRedemptionRepository
    from application.customers.ports import CustomerRepository
    from application.discounts.ports import DiscountRepository
    from application.payment_methods.ports import PaymentMethodRepository
    from application.payments.ports import PaymentRepository
    from application.products.ports import ProductRepository


@dataclass(frozen=True)
class CheckoutLinkFilters:
    """List filters; empty means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    # Links offering any of these products.
    product_ids: Sequence[uuid.UUID] = ()


class CheckoutLinkRepository(Protocol):
    """Checkout links, each with its products in order. Every lookup ignores soft-deleted
    links, but `get_including_deleted`.

    A link is readable by the members of its organization and by the organization itself; by
    its client secret, by whoever holds it.
    """

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CheckoutLink | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends."""
        ...

    async def get_by_client_secret(self, client_secret: str) -> CheckoutLink | None: ...

    async def get_including_deleted(self, id: uuid.UUID) -> CheckoutLink | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutLinkFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutLinkSortProperty]],
    ) -> Page[CheckoutLink]: ...

    async def product_of_price(self, price_id: uuid.UUID) -> uuid.UUID | None:
        """The id of the product that has the price `price_id` (archived or not)."""
        ...

    async def create(self, link: CheckoutLink) -> CheckoutLink:
        """Insert the link and its products, in order."""
        ...

    async def update(self, link: CheckoutLink) -> CheckoutLink:
        """Stamp `modified_at`, persist the link and replace its products by `product_ids`."""
        ...


class CheckoutLinkUnitOfWork(TenancyUnitOfWork, Protocol):
    checkout_links: CheckoutLinkRepository
    products: ProductRepository
    discounts: DiscountRepository
    # The redirect opens a checkout (CheckoutUnitOfWork's repositories).
    checkouts: CheckoutRepository
    customers: CustomerRepository
    payments: PaymentRepository
    trial_redemptions: TrialRedemptionRepository
    payment_methods: PaymentMethodRepository
