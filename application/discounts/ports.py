from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.discounts.sorting import DiscountSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from domain.discount import Discount

if TYPE_CHECKING:
    from application.products.ports import ProductRepository


class DiscountRepository(Protocol):
    """Discounts. Every lookup ignores soft-deleted rows.

    A discount is readable by the members of its organization and by the organization itself.
    Codes are unique per organization among live discounts, compared case-insensitively:
    `create` and `update` raise ValidationFailed naming `code` when another live discount of the
    organization holds the code.
    """

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> Discount | None:
        """The live discount; `lock` holds it (FOR UPDATE) until the unit of work ends (a
        checkout redeeming it: concurrent redemptions count one after the other)."""
        ...

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Discount]:
        """The live discounts among `ids`, whatever their organization, in no particular
        order."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> Discount | None:
        """The discount even when soft-deleted (the `discount.deleted` webhook shows it)."""
        ...

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Discount | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends, for a write that
        reads, decides and writes: a concurrent writer of the same row waits, and once a
        concurrent deletion commits the row is not found."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        query: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[DiscountSortProperty]],
    ) -> Page[Discount]:
        """`query` keeps discounts whose name or code contains it, ignoring case; it is a plain
        substring (`%` and `_` have no special meaning)."""
        ...

    async def get_by_code(self, organization_id: uuid.UUID, code: str) -> Discount | None:
        """The organization's live discount with `code`, compared case-insensitively."""
        ...

    async def create(self, discount: Discount) -> Discount: ...

    async def update(self, discount: Discount, changes: dict[str, Any] | None = None) -> Discount:
        """Apply `changes` (attribute → value), stamp `modified_at`, persist the whole entity."""
        ...


class DiscountUnitOfWork(TenancyUnitOfWork, Protocol):
    discounts: DiscountRepository
    # A discount restricted to products names them.
    products: ProductRepository
