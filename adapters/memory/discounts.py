"""Discounts in memory, honouring the same contract as SqlAlchemyDiscountRepository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.discounts.service import CODE_TAKEN
from application.discounts.sorting import DiscountSortProperty
from application.kit.errors import ValidationFailed
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.discount import Discount, code_key


def _contains(haystack: str | None, needle: str) -> bool:
    return haystack is not None and needle.lower() in haystack.lower()


class InMemoryDiscountRepository(MemoryRepository[Discount]):
    table_name = "discounts"
    sort_keys: dict[Any, Any] = {
        DiscountSortProperty.created_at: lambda d: d.created_at,
        DiscountSortProperty.name: lambda d: d.name,
        DiscountSortProperty.code: lambda d: d.code,
        DiscountSortProperty.redemptions_count: lambda d: d.redemptions_count,
        DiscountSortProperty.ends_at: lambda d: d.ends_at,
    }

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> Discount | None:
        return await self.get_by_id(id)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Discount | None:
        # No lock to take: a memory unit of work reads, decides and commits without yielding.
        return self.find(lambda d: d.id == id and self.readable(subject, d.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        query: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[DiscountSortProperty]],
    ) -> Page[Discount]:
        items = [
            d
            for d in self.live()
            if self.readable(subject, d.organization_id)
            and (not organization_ids or d.organization_id in organization_ids)
            and (query is None or _contains(d.name, query) or _contains(d.code, query))
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)

    async def get_by_code(self, organization_id: uuid.UUID, code: str) -> Discount | None:
        key = code_key(code)
        return self.find(
            lambda d: (
                d.organization_id == organization_id
                and d.code is not None
                and code_key(d.code) == key
            )
        )

    def _refuse_taken_code(self, discount: Discount) -> None:
        # The SQL adapter's unique index, in memory: live discounts only, ignoring case.
        if discount.code is None or discount.deleted_at is not None:
            return
        key = code_key(discount.code)
        for other in self.live():
            if (
                other.id != discount.id
                and other.organization_id == discount.organization_id
                and other.code is not None
                and code_key(other.code) == key
            ):
                raise ValidationFailed.single(("body", "code"), CODE_TAKEN)

    async def create(self, entity: Discount) -> Discount:
        self._refuse_taken_code(entity)
        return await super().create(entity)

    async def update(self, entity: Discount, changes: dict[str, Any] | None = None) -> Discount:
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        self._refuse_taken_code(entity)
        return await super().update(entity)
