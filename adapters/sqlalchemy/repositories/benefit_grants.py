"""Benefit grants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Select, Uuid, bindparam, false, select
from sqlalchemy.dialects.postgresql import insert

from adapters.sqlalchemy.kit.filters import (
    locked,
    of_external_customers,
    subject_params,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SortingMixin
from adapters.sqlalchemy.tables import benefit_grants
from application.auth import AuthSubject, SubjectKind
from application.benefit_grants.ports import BenefitGrantFilters, GrantScope
from application.benefit_grants.sorting import BenefitGrantSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.benefit_grant import BenefitGrant

_IN_FILTERS = {
    "organization_ids": benefit_grants.c.organization_id,
    "benefit_ids": benefit_grants.c.benefit_id,
    "customer_ids": benefit_grants.c.customer_id,
}


class SqlAlchemyBenefitGrantRepository(
    SortingMixin[BenefitGrant, BenefitGrantSortProperty], RepositoryBase[BenefitGrant]
):
    table = benefit_grants
    entity = BenefitGrant
    sorting_columns = {
        BenefitGrantSortProperty.created_at: benefit_grants.c.created_at,
        BenefitGrantSortProperty.granted_at: benefit_grants.c.granted_at,
        BenefitGrantSortProperty.revoked_at: benefit_grants.c.revoked_at,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> BenefitGrant:
        grant = super().to_entity(row)
        grant.properties = dict(grant.properties or {})
        return grant

    async def get_including_deleted(self, id: uuid.UUID) -> BenefitGrant | None:
        statement = self.cached(
            lambda: select(benefit_grants).where(benefit_grants.c.id == bindparam("id", type_=Uuid))
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_for_scope(self, scope: GrantScope, *, lock: bool = False) -> BenefitGrant | None:
        statement = self.cached(
            lambda lock: locked(
                select(benefit_grants).where(
                    benefit_grants.c.customer_id == bindparam("customer_id", type_=Uuid),
                    benefit_grants.c.benefit_id == bindparam("benefit_id", type_=Uuid),
                    benefit_grants.c.order_id.is_not_distinct_from(
                        bindparam("order_id", type_=Uuid)
                    ),
                    benefit_grants.c.subscription_id.is_not_distinct_from(
                        bindparam("subscription_id", type_=Uuid)
                    ),
                ),
                benefit_grants,
                lock,
            ),
            lock,
        )
        params = {
            "customer_id": scope.customer_id,
            "benefit_id": scope.benefit_id,
            "order_id": scope.order_id,
            "subscription_id": scope.subscription_id,
        }
        return await self.get_one_or_none(statement, params)

    async def granted_of_customer(self, customer_id: uuid.UUID) -> list[GrantScope]:
        return await self._granted("customer_id", customer_id)

    async def granted_of_order(self, order_id: uuid.UUID) -> list[GrantScope]:
        return await self._granted("order_id", order_id)

    async def _granted(self, column: str, value: uuid.UUID) -> list[GrantScope]:
        statement = self.cached(
            lambda column: select(
                benefit_grants.c.customer_id,
                benefit_grants.c.benefit_id,
                benefit_grants.c.order_id,
                benefit_grants.c.subscription_id,
            ).where(
                benefit_grants.c[column] == bindparam("value", type_=Uuid),
                benefit_grants.c.granted_at.is_not(None),
            ),
            column,
        )
        rows = await self.rows(statement, {"value": value})
        return [
            GrantScope(r["customer_id"], r["benefit_id"], r["order_id"], r["subscription_id"])
            for r in rows
        ]

    async def claim(self, grant: BenefitGrant) -> tuple[BenefitGrant, bool]:
        statement = self.cached(
            lambda: (
                insert(benefit_grants)
                .on_conflict_do_nothing(
                    index_elements=["customer_id", "benefit_id", "order_id", "subscription_id"]
                )
                .returning(benefit_grants.c.id)
            )
        )
        result = await self.execute(statement, self.to_row(grant))
        inserted = result.scalar_one_or_none() is not None
        scope = GrantScope(
            grant.customer_id, grant.benefit_id, grant.order_id, grant.subscription_id
        )
        found = await self.get_for_scope(scope, lock=True)
        assert found is not None, "a claimed grant is there"
        return found, inserted

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: BenefitGrantFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitGrantSortProperty]],
    ) -> Page[BenefitGrant]:
        def build(
            kind: SubjectKind,
            present: tuple[str, ...],
            by_external: bool,
            by_member: bool,
            by_granted: bool,
            sorting: tuple[Sorting[BenefitGrantSortProperty], ...],
        ) -> Select[Any]:
            statement = where_readable(
                select(benefit_grants).where(benefit_grants.c.is_tombstone.is_(False)),
                benefit_grants.c.organization_id,
                kind,
            )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_external:
                statement = statement.where(of_external_customers(benefit_grants))
            if by_member:
                statement = statement.where(false())
            if by_granted:
                statement = statement.where(
                    benefit_grants.c.granted_at.is_not(None)
                    == bindparam("is_granted", type_=Boolean)
                )
            return self.apply_sorting(statement, sorting)

        values: dict[str, list[Any]] = {
            "organization_ids": list(filters.organization_ids),
            "benefit_ids": list(filters.benefit_ids),
            "customer_ids": list(filters.customer_ids),
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(
            build,
            subject.kind,
            present,
            bool(filters.external_customer_ids),
            bool(filters.member_ids),
            filters.is_granted is not None,
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            **{name: values[name] for name in present},
            "external_customer_ids": list(filters.external_customer_ids),
            "is_granted": filters.is_granted,
        }
        return await self.paginate(statement, pagination, params)
