"""Benefit grants and license keys in memory, honouring the SQLAlchemy repositories' contracts.

One unit of work at a time holds the memory store: locks have nothing to do."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from adapters.memory.store import MemoryRepository
from application.auth import AuthSubject
from application.benefit_grants.ports import BenefitGrantFilters, GrantScope
from application.benefit_grants.sorting import BenefitGrantSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.license_keys.ports import LicenseKeyFilters
from domain.benefit_grant import BenefitGrant
from domain.license_key import LicenseKey, LicenseKeyActivation


def _in_scope(grant: BenefitGrant, scope: GrantScope) -> bool:
    return (
        grant.customer_id == scope.customer_id
        and grant.benefit_id == scope.benefit_id
        and grant.order_id == scope.order_id
        and grant.subscription_id == scope.subscription_id
    )


class InMemoryBenefitGrantRepository(MemoryRepository[BenefitGrant]):
    table_name = "benefit_grants"
    sort_keys: dict[Any, Any] = {
        BenefitGrantSortProperty.created_at: lambda g: g.created_at,
        BenefitGrantSortProperty.granted_at: lambda g: g.granted_at,
        BenefitGrantSortProperty.revoked_at: lambda g: g.revoked_at,
    }

    async def get_for_scope(self, scope: GrantScope, *, lock: bool = False) -> BenefitGrant | None:
        return self.find(lambda g: _in_scope(g, scope))

    async def granted_of_customer(self, customer_id: uuid.UUID) -> list[GrantScope]:
        return self._granted(lambda g: g.customer_id == customer_id)

    async def granted_of_order(self, order_id: uuid.UUID) -> list[GrantScope]:
        return self._granted(lambda g: g.order_id == order_id)

    def _granted(self, wanted: Callable[[BenefitGrant], bool]) -> list[GrantScope]:
        return [
            GrantScope(g.customer_id, g.benefit_id, g.order_id, g.subscription_id)
            for g in self.rows.values()
            if wanted(g) and g.is_granted
        ]

    async def claim(self, grant: BenefitGrant) -> tuple[BenefitGrant, bool]:
        scope = GrantScope(
            grant.customer_id, grant.benefit_id, grant.order_id, grant.subscription_id
        )
        found = await self.get_for_scope(scope)
        if found is not None:
            return found, False
        await self.create(grant)
        return copy.deepcopy(grant), True

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: BenefitGrantFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitGrantSortProperty]],
    ) -> Page[BenefitGrant]:
        external: set[uuid.UUID] | None = None
        if filters.external_customer_ids:
            wanted = set(filters.external_customer_ids)
            external = {
                c.id for c in self.view.table("customers").values() if c.external_id in wanted
            }

        def matches(g: BenefitGrant) -> bool:
            checks: list[tuple[Sequence[Any], Any]] = [
                (filters.organization_ids, g.organization_id),
                (filters.benefit_ids, g.benefit_id),
                (filters.customer_ids, g.customer_id),
            ]
            if any(wanted and value not in wanted for wanted, value in checks):
                return False
            if external is not None and g.customer_id not in external:
                return False
            if filters.member_ids:
                return False
            return filters.is_granted is None or g.is_granted == filters.is_granted

        items = [
            g
            for g in self.live()
            if not g.is_tombstone and self.readable(subject, g.organization_id) and matches(g)
        ]
        return self.paginate(items, pagination, sorting, self.sort_keys)


class _KeyOrder(StrEnum):
    """Keys list oldest first, as the SQL repository orders them."""

    created_at = "created_at"


class InMemoryLicenseKeyRepository(MemoryRepository[LicenseKey]):
    table_name = "license_keys"

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> LicenseKey | None:
        return self.find(lambda k: k.id == id)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> LicenseKey | None:
        return self.find(lambda k: k.id == id and self.readable(subject, k.organization_id))

    async def get_by_key(
        self, organization_id: uuid.UUID, key: str, *, lock: bool = False
    ) -> LicenseKey | None:
        return self.find(lambda k: k.organization_id == organization_id and k.key == key)

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: LicenseKeyFilters,
        pagination: PaginationParams,
    ) -> Page[LicenseKey]:
        def matches(k: LicenseKey) -> bool:
            checks: list[tuple[Sequence[Any], Any]] = [
                (filters.organization_ids, k.organization_id),
                (filters.benefit_ids, k.benefit_id),
                (filters.statuses, k.status),
            ]
            return not any(wanted and value not in wanted for wanted, value in checks)

        items = [k for k in self.live() if self.readable(subject, k.organization_id) and matches(k)]
        oldest_first = [Sorting(_KeyOrder.created_at, descending=False)]
        return self.paginate(
            items, pagination, oldest_first, {"created_at": lambda k: k.created_at}
        )

    async def create(self, entity: LicenseKey) -> LicenseKey:
        if any(k.key == entity.key for k in self.rows.values()):
            raise ValueError("duplicate license key")
        return await super().create(entity)


class InMemoryLicenseKeyActivationRepository(MemoryRepository[LicenseKeyActivation]):
    table_name = "license_key_activations"

    async def get_live(
        self, license_key_id: uuid.UUID, id: uuid.UUID
    ) -> LicenseKeyActivation | None:
        return self.find(lambda a: a.id == id and a.license_key_id == license_key_id)

    async def list_live(self, license_key_id: uuid.UUID) -> list[LicenseKeyActivation]:
        found = [copy.deepcopy(a) for a in self.live() if a.license_key_id == license_key_id]
        return sorted(found, key=lambda a: (a.created_at, a.id.int))

    async def count_live(self, license_key_id: uuid.UUID) -> int:
        return sum(1 for a in self.live() if a.license_key_id == license_key_id)
