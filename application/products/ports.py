from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from application.products.sorting import ProductSortProperty
from domain.product import Product, Visibility

if TYPE_CHECKING:
    from application.benefits.ports import BenefitRepository
    from application.custom_fields.ports import CustomFieldRepository
    from application.files.ports import FileRepository
    from application.meters.ports import MeterRepository


@dataclass(frozen=True)
class ProductFilters:
    """List filters; `None` (or empty) means no filter."""

    ids: Sequence[uuid.UUID] = ()
    organization_ids: Sequence[uuid.UUID] = ()
    query: str | None = None
    is_archived: bool | None = None
    is_recurring: bool | None = None
    visibilities: Sequence[Visibility] = ()
    # metadata[key] is one of the values (each value compared as its string form).
    metadata: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Products carrying any of these benefits.
    benefit_ids: Sequence[uuid.UUID] = ()


class ProductRepository(Protocol):
    """Products with all their prices, archived ones included (flagged `is_archived`).

    A product is readable by the members of its organization and by the organization itself.
    Every product returned carries its full price list, ordered by creation time (metered prices
    with their meter), and the live benefits it grants and live media files it shows, each in
    the order they were set.
    """

    async def get(self, id: uuid.UUID) -> Product | None: ...

    async def get_many_whole(self, ids: Sequence[uuid.UUID]) -> list[Product]:
        """The live products among `ids`, whatever their organization, each whole as `get`
        returns it, in no particular order: one statement per relation however many."""
        ...

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Product | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends, for a write that
        reads, decides and writes: a concurrent writer of the same row waits, and once a
        concurrent deletion commits the row is not found."""
        ...

    async def get_summaries(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Product]:
        """The live products among `ids`, whatever their organization, in no particular order,
        without their prices and benefits (for lists that only name products). `lock` holds
        them (FOR SHARE) until the unit of work ends, for a write that comes to point at them:
        a concurrent deletion waits for it, or, committed first, leaves them out."""
        ...

    async def in_use(self, id: uuid.UUID) -> bool:
        """Whether something that must keep pointing at the product does (a live discount
        restricted to it, a subscription to it, an order of it, a confirmed checkout of it), as
        committed when asked: a deletion asks once it holds the product.
        Full products carry the same answer as `in_use`."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: ProductFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[ProductSortProperty]],
    ) -> Page[Product]:
        """`filters.query` keeps products whose name contains it, ignoring case (a plain
        substring: `%` and `_` have no special meaning)."""
        ...

    async def create(self, product: Product) -> Product:
        """Insert the product and all its prices."""
        ...

    async def set_medias(self, product: Product, file_ids: Sequence[uuid.UUID]) -> None:
        """Make `file_ids` (checked by the caller) the product's media, in this order."""
        ...

    async def set_custom_fields(
        self, product: Product, attached: Sequence[tuple[uuid.UUID, bool]]
    ) -> None:
        """Make `attached` (custom field id, required; checked by the caller) the product's
        custom fields, in this order."""
        ...

    async def set_benefits(self, product: Product, benefit_ids: Sequence[uuid.UUID]) -> None:
        """Make `benefit_ids` (checked by the caller) the benefits the product grants, in this
        order. The caller updates the product itself (its `modified_at`) separately."""
        ...

    async def prices_meter(self, meter_id: uuid.UUID) -> bool:
        """Whether a price that is not archived, of a product that is not deleted (archived
        or not), bills the meter."""
        ...

    async def update(self, product: Product) -> Product:
        """Stamp `modified_at`, persist the product, insert its new prices and persist the
        archiving of existing ones (prices are otherwise immutable)."""
        ...


class ProductUnitOfWork(TenancyUnitOfWork, Protocol):
    products: ProductRepository
    # What products point at: the benefits they grant, the meters their prices bill, the
    # files they show.
    benefits: BenefitRepository
    meters: MeterRepository
    files: FileRepository
    custom_fields: CustomFieldRepository
