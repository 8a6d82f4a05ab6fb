"""Benefits in memory, honouring the same contract as SqlAlchemyBenefitRepository.

Which products grant which benefits lives in the `product_benefits` table of the store:
product id → benefit ids in order (InMemoryProductRepository writes it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.store import PRODUCT_BENEFITS, MemoryRepository, metadata_matches
from application.auth import AuthSubject
from application.benefits.ports import BenefitFilters
from application.benefits.sorting import BenefitSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.benefit import Benefit


def _matches(benefit: Benefit, filters: BenefitFilters) -> bool:
    if filters.ids and benefit.id not in filters.ids:
        return False
    if filters.exclude_ids and benefit.id in filters.exclude_ids:
        return False
    if filters.organization_ids and benefit.organization_id not in filters.organization_ids:
        return False
    if filters.types and benefit.type not in filters.types:
        return False
    if filters.query is not None and filters.query.lower() not in benefit.description.lower():
        return False
    return metadata_matches(benefit.metadata, filters.metadata)


class InMemoryBenefitRepository(MemoryRepository[Benefit]):
    table_name = "benefits"
    sort_keys: dict[Any, Any] = {
        BenefitSortProperty.created_at: lambda b: b.created_at,
        BenefitSortProperty.description: lambda b: b.description,
        BenefitSortProperty.type: lambda b: b.type,
        BenefitSortProperty.user_order: lambda b: b.created_at,
    }

    async def get(self, id: uuid.UUID) -> Benefit | None:
        return await self.get_by_id(id)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Benefit | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda b: b.id == id and self.readable(subject, b.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: BenefitFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitSortProperty]],
    ) -> Page[Benefit]:
        items = [
            b
            for b in self.live()
            if self.readable(subject, b.organization_id) and _matches(b, filters)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def detach(self, benefit_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        links = self.view.table(PRODUCT_BENEFITS)
        products = self.view.table("products")
        detached = []
        for product_id, benefit_ids in links.items():
            if benefit_id in benefit_ids:
                benefit_ids.remove(benefit_id)
                products[product_id].modified_at = at
                detached.append(product_id)
        return sorted(detached)
