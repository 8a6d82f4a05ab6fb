"""Products in memory, honouring the same contract as SqlAlchemyProductRepository."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import (
    PRODUCT_BENEFITS,
    PRODUCT_CUSTOM_FIELDS,
    PRODUCT_MEDIAS,
    MemoryRepository,
    metadata_matches,
)
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.products.ports import ProductFilters
from application.products.sorting import ProductSortProperty
from domain.checkout import CheckoutStatus
from domain.custom_field import AttachedCustomField
from domain.price import MeteredPrice, Price
from domain.product import Product


def _static(product: Product) -> list[Price]:
    return [p for p in product.live_prices if not p.is_metered]


def _price_amount(product: Product) -> int | None:
    amounts = [a for a in (p.sort_amount() for p in _static(product)) if a is not None]
    return min(amounts) if amounts else None


def _price_amount_type(product: Product) -> str | None:
    types = [str(p.amount_type.value) for p in _static(product)]
    return min(types) if types else None


def _matches(product: Product, filters: ProductFilters) -> bool:
    if filters.ids and product.id not in filters.ids:
        return False
    if filters.organization_ids and product.organization_id not in filters.organization_ids:
        return False
    if filters.query is not None and filters.query.lower() not in product.name.lower():
        return False
    if filters.is_archived is not None and product.is_archived != filters.is_archived:
        return False
    if filters.is_recurring is not None and product.is_recurring != filters.is_recurring:
        return False
    if filters.visibilities and product.visibility not in filters.visibilities:
        return False
    return metadata_matches(product.metadata, filters.metadata)


class InMemoryProductRepository(MemoryRepository[Product]):
    table_name = "products"
    sort_keys: dict[Any, Any] = {
        ProductSortProperty.created_at: lambda p: p.created_at,
        ProductSortProperty.name: lambda p: p.name,
        ProductSortProperty.price_amount: _price_amount,
        ProductSortProperty.price_amount_type: _price_amount_type,
    }

    @property
    def links(self) -> dict[uuid.UUID, list[uuid.UUID]]:
        return self.view.table(PRODUCT_BENEFITS)

    def _with_benefits(self, product: Product | None) -> Product | None:
        """Attach the live benefits the product grants, its live media, in order, and the
        meters of its metered prices as they are now."""
        if product is not None:
            product.in_use = self.in_use_now(product.id)
            meters = self.view.table("meters")
            for price in product.prices:
                if isinstance(price, MeteredPrice):
                    price.meter = meters[price.meter_id].summary
            benefits = self.view.table("benefits")
            product.benefits = [
                copy.deepcopy(benefits[b])
                for b in self.links.get(product.id, [])
                if benefits[b].deleted_at is None
            ]
            files = self.view.table("files")
            product.medias = [
                copy.deepcopy(files[f])
                for f in self.view.table(PRODUCT_MEDIAS).get(product.id, [])
                if files[f].deleted_at is None
            ]
            fields = self.view.table("custom_fields")
            product.attached_custom_fields = [
                AttachedCustomField(copy.deepcopy(fields[f]), required, position)
                for position, (f, required) in enumerate(
                    self.view.table(PRODUCT_CUSTOM_FIELDS).get(product.id, [])
                )
                if fields[f].deleted_at is None
            ]
        return product

    async def set_medias(self, product: Product, file_ids: Sequence[uuid.UUID]) -> None:
        self.view.table(PRODUCT_MEDIAS)[product.id] = list(file_ids)

    async def set_custom_fields(
        self, product: Product, attached: Sequence[tuple[uuid.UUID, bool]]
    ) -> None:
        self.view.table(PRODUCT_CUSTOM_FIELDS)[product.id] = list(attached)

    async def get(self, id: uuid.UUID) -> Product | None:
        return self._with_benefits(await self.get_by_id(id))

    async def get_many_whole(self, ids: Sequence[uuid.UUID]) -> list[Product]:
        found = [self._with_benefits(p) for p in await self.get_many(ids)]
        return [p for p in found if p is not None]

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Product | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self._with_benefits(
            self.find(lambda p: p.id == id and self.readable(subject, p.organization_id))
        )

    async def in_use(self, id: uuid.UUID) -> bool:
        return self.in_use_now(id)

    def in_use_now(self, id: uuid.UUID) -> bool:
        return (
            any(
                d.deleted_at is None and id in d.product_ids
                for d in self.view.table("discounts").values()
            )
            or any(
                s.deleted_at is None and s.product_id == id
                for s in self.view.table("subscriptions").values()
            )
            or any(o.product_id == id for o in self.view.table("orders").values())
            or any(
                c.product_id == id and c.status is CheckoutStatus.confirmed
                for c in self.view.table("checkouts").values()
            )
        )

    async def get_summaries(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Product]:
        wanted = set(ids)
        summaries = []
        for product in self.live():
            if product.id in wanted:
                summary = copy.deepcopy(product)
                summary.prices, summary.benefits, summary.medias = [], [], []
                summary.attached_custom_fields = []
                summaries.append(summary)
        return summaries

    async def prices_meter(self, meter_id: uuid.UUID) -> bool:
        return any(
            isinstance(price, MeteredPrice) and price.meter_id == meter_id
            for product in self.live()
            for price in product.live_prices
        )

    async def set_benefits(self, product: Product, benefit_ids: Sequence[uuid.UUID]) -> None:
        self.links[product.id] = list(benefit_ids)

    def _grants_any(self, product: Product, benefit_ids: Sequence[uuid.UUID]) -> bool:
        return any(b in benefit_ids for b in self.links.get(product.id, []))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: ProductFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[ProductSortProperty]],
    ) -> Page[Product]:
        items = [
            p
            for p in self.live()
            if self.readable(subject, p.organization_id)
            and _matches(p, filters)
            and (not filters.benefit_ids or self._grants_any(p, filters.benefit_ids))
        ]
        page = self.paginate(items, pagination, sorting, self.sort_keys)
        for product in page.items:
            self._with_benefits(product)
        return page
