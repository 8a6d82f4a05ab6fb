from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, func

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    locked,
    subject_params,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import (
    RepositoryBase,
    SoftDeletionMixin,
    SortingMixin,
    register_unique_field,
)
from adapters.sqlalchemy.tables import discounts
from application.auth import AuthSubject, SubjectKind
from application.discounts.service import CODE_TAKEN
from application.discounts.sorting import DiscountSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.discount import Discount, DiscountDuration, DiscountType

register_unique_field("uq_discounts_organization_id_code_live", "code", CODE_TAKEN)


class SqlAlchemyDiscountRepository(
    SortingMixin[Discount, DiscountSortProperty],
    SoftDeletionMixin[Discount],
    RepositoryBase[Discount],
):
    table = discounts
    entity = Discount
    sorting_columns = {
        DiscountSortProperty.created_at: discounts.c.created_at,
        DiscountSortProperty.name: discounts.c.name,
        DiscountSortProperty.code: discounts.c.code,
        DiscountSortProperty.redemptions_count: discounts.c.redemptions_count,
        DiscountSortProperty.ends_at: discounts.c.ends_at,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Discount:
        return Discount(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            organization_id=row["organization_id"],
            name=row["name"],
            type=DiscountType(row["type"]),
            duration=DiscountDuration(row["duration"]),
            duration_in_months=row["duration_in_months"],
            basis_points=row["basis_points"],
            amounts=dict(row["amounts"]),
            currency=row["currency"],
            code=row["code"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            max_redemptions=row["max_redemptions"],
            max_redemptions_per_customer=row["max_redemptions_per_customer"],
            redemptions_count=row["redemptions_count"],
            metadata=dict(row["metadata"]),
            product_ids=list(row["product_ids"]),
        )

    def to_row(self, entity: Discount) -> dict[str, Any]:
        row = super().to_row(entity)
        row["type"] = entity.type.value
        row["duration"] = entity.duration.value
        row["amounts"] = dict(entity.amounts)
        row["metadata"] = dict(entity.metadata)
        row["product_ids"] = list(entity.product_ids)
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), discounts.c.organization_id, kind)

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> Discount | None:
        statement = self.cached(
            lambda lock: locked(
                self.get_base_statement().where(discounts.c.id == bindparam("id", type_=Uuid)),
                discounts,
                lock,
            ),
            lock,
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Discount | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(discounts.c.id == bindparam("id", type_=Uuid)),
                discounts,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        query: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[DiscountSortProperty]],
    ) -> Page[Discount]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            by_query: bool,
            sorting: tuple[Sorting[DiscountSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    discounts.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_query:
                statement = statement.where(containing(discounts.c.name, discounts.c.code))
            statement = self.apply_sorting(statement, sorting)
            if by_query:
                return statement  # Counted by a window over what the query matches.
            total = counted_total(discounts, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(
            build, subject.kind, bool(organization_ids), query is not None, tuple(sorting)
        )
        params = {
            **subject_params(subject),
            "organization_ids": list(organization_ids or []),
            "query": None if query is None else like_pattern(query),
        }
        return await self.paginate(statement, pagination, params)

    async def get_by_code(self, organization_id: uuid.UUID, code: str) -> Discount | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                discounts.c.organization_id == bindparam("organization_id", type_=Uuid),
                func.lower(discounts.c.code) == func.lower(bindparam("code")),
            ),
        )
        return await self.get_one_or_none(
            statement, {"organization_id": organization_id, "code": code}
        )
