"""Checkout links in memory, honouring the same contract as SqlAlchemyCheckoutLinkRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.checkout_links.ports import CheckoutLinkFilters
from application.checkout_links.sorting import CheckoutLinkSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.checkout_link import CheckoutLink


def _matches(link: CheckoutLink, filters: CheckoutLinkFilters) -> bool:
    if filters.organization_ids and link.organization_id not in filters.organization_ids:
        return False
    if filters.product_ids:
        return any(p in filters.product_ids for p in link.product_ids)
    return True


class InMemoryCheckoutLinkRepository(MemoryRepository[CheckoutLink]):
    table_name = "checkout_links"
    sort_keys: dict[Any, Any] = {
        CheckoutLinkSortProperty.created_at: lambda link: link.created_at,
        CheckoutLinkSortProperty.label: lambda link: link.label,
        CheckoutLinkSortProperty.success_url: lambda link: link.success_url,
        CheckoutLinkSortProperty.allow_discount_codes: lambda link: link.allow_discount_codes,
    }

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CheckoutLink | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(
            lambda link: link.id == id and self.readable(subject, link.organization_id)
        )

    async def get_by_client_secret(self, client_secret: str) -> CheckoutLink | None:
        return self.find(lambda link: link.client_secret == client_secret)

    async def product_of_price(self, price_id: uuid.UUID) -> uuid.UUID | None:
        for product in self.view.table("products").values():
            if any(price.id == price_id for price in product.prices):
                return product.id  # type: ignore[no-any-return]
        return None

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutLinkFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutLinkSortProperty]],
    ) -> Page[CheckoutLink]:
        items = [
            link
            for link in self.live()
            if self.readable(subject, link.organization_id) and _matches(link, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)
