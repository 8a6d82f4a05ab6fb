"""Benefits, and their detachment from products."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, delete, update

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    locked,
    metadata_params,
    subject_params,
    where_metadata,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.mappers import benefit_entity
from adapters.sqlalchemy.tables import benefits, product_benefits, products
from application.auth import AuthSubject, SubjectKind
from application.benefits.ports import BenefitFilters
from application.benefits.sorting import BenefitSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.benefit import Benefit


class SqlAlchemyBenefitRepository(
    SortingMixin[Benefit, BenefitSortProperty],
    SoftDeletionMixin[Benefit],
    RepositoryBase[Benefit],
):
    table = benefits
    entity = Benefit
    sorting_columns = {
        BenefitSortProperty.created_at: benefits.c.created_at,
        BenefitSortProperty.description: benefits.c.description,
        BenefitSortProperty.type: benefits.c.type,
        BenefitSortProperty.user_order: benefits.c.created_at,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Benefit:
        return benefit_entity(row)

    def to_row(self, entity: Benefit) -> dict[str, Any]:
        row = super().to_row(entity)
        row["visibility"] = entity.visibility.value
        row["metadata"] = dict(entity.metadata)
        row["properties"] = dict(entity.properties)
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), benefits.c.organization_id, kind)

    async def get(self, id: uuid.UUID) -> Benefit | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(benefits.c.id == bindparam("id", type_=Uuid))
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Benefit | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(benefits.c.id == bindparam("id", type_=Uuid)),
                benefits,
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
        filters: BenefitFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitSortProperty]],
    ) -> Page[Benefit]:
        def build(
            kind: SubjectKind,
            by_ids: bool,
            excluding_ids: bool,
            by_organization: bool,
            by_type: bool,
            by_query: bool,
            metadata_filters: int,
            sorting: tuple[Sorting[BenefitSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_ids:
                statement = statement.where(benefits.c.id.in_(bindparam("ids", expanding=True)))
            if excluding_ids:
                statement = statement.where(
                    benefits.c.id.not_in(bindparam("exclude_ids", expanding=True))
                )
            if by_organization:
                statement = statement.where(
                    benefits.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_type:
                statement = statement.where(benefits.c.type.in_(bindparam("types", expanding=True)))
            if by_query:
                statement = statement.where(containing(benefits.c.description))
            statement = where_metadata(statement, benefits.c.metadata, metadata_filters)
            statement = self.apply_sorting(statement, sorting)
            if by_ids or excluding_ids or by_type or by_query or metadata_filters:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(benefits, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.ids),
            bool(filters.exclude_ids),
            bool(filters.organization_ids),
            bool(filters.types),
            filters.query is not None,
            len(filters.metadata),
            tuple(sorting),
        )

        params: dict[str, Any] = {
            **subject_params(subject),
            "ids": list(filters.ids),
            "exclude_ids": list(filters.exclude_ids),
            "organization_ids": list(filters.organization_ids),
            "types": list(filters.types),
            "query": None if filters.query is None else like_pattern(filters.query),
            **metadata_params(filters.metadata),
        }
        return await self.paginate(statement, pagination, params)

    async def detach(self, benefit_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        result = await self.connection.execute(
            delete(product_benefits)
            .where(product_benefits.c.benefit_id == benefit_id)
            .returning(product_benefits.c.product_id)
        )
        product_ids = sorted(result.scalars())
        if product_ids:
            await self.connection.execute(
                update(products).where(products.c.id.in_(product_ids)).values(modified_at=at)
            )
        return product_ids
