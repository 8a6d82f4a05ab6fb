from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.meters.sorting import MeterSortProperty
from application.organizations.ports import TenancyUnitOfWork
from domain.meter import Meter

if TYPE_CHECKING:
    from application.products.ports import ProductRepository


@dataclass(frozen=True)
class MeterFilters:
    """List filters; `None` (or empty) means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    # Name contains, ignoring case (a plain substring: `%` and `_` have no special meaning).
    query: str | None = None
    is_archived: bool | None = None
    # metadata[key] is one of the values (each value compared as its string form).
    metadata: Mapping[str, Sequence[str]] = field(default_factory=dict)


class MeterRepository(Protocol):
    """Meters, archived ones included (they are never deleted).

    A meter is readable by the members of its organization and by the organization itself.
    """

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Meter | None: ...

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Meter]:
        """The meters among `ids`, whatever their organization, in no particular order.

        `lock` holds them (shared) until the unit of work ends, for a write that starts using
        them: `lock_for_archiving` waits for it, and it waits for `lock_for_archiving`.
        """
        ...

    async def lock_for_archiving(self, id: uuid.UUID) -> None:
        """Hold the meter (exclusively) until the unit of work ends, so that no price starts
        billing it between the check that none does and the archiving."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: MeterFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[MeterSortProperty]],
    ) -> Page[Meter]: ...

    async def create(self, meter: Meter) -> Meter: ...

    async def update(self, meter: Meter) -> Meter:
        """Stamp `modified_at` and persist the whole meter."""
        ...


class MeterUnitOfWork(TenancyUnitOfWork, Protocol):
    meters: MeterRepository
    # A meter that live prices bill cannot be archived.
    products: ProductRepository
