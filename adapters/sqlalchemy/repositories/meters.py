"""Meters."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, select

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    metadata_params,
    subject_params,
    where_metadata,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import meters
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.meters.ports import MeterFilters
from application.meters.sorting import MeterSortProperty
from domain.meter import (
    Meter,
    MeterUnit,
    aggregation_document,
    aggregation_from_document,
    filter_document,
    filter_from_document,
)


def meter_entity(row: Mapping[Any, Any]) -> Meter:
    return Meter(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        name=row["name"],
        unit=MeterUnit(row["unit"]),
        custom_label=row["custom_label"],
        custom_multiplier=row["custom_multiplier"],
        filter=filter_from_document(row["filter"]),
        aggregation=aggregation_from_document(row["aggregation"]),
        metadata=dict(row["metadata"]),
        archived_at=row["archived_at"],
    )


class SqlAlchemyMeterRepository(
    SortingMixin[Meter, MeterSortProperty],
    SoftDeletionMixin[Meter],
    RepositoryBase[Meter],
):
    table = meters
    entity = Meter
    sorting_columns = {
        MeterSortProperty.created_at: meters.c.created_at,
        MeterSortProperty.name: meters.c.name,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Meter:
        return meter_entity(row)

    def to_row(self, entity: Meter) -> dict[str, Any]:
        row = super().to_row(entity)
        row["unit"] = entity.unit.value
        row["filter"] = filter_document(entity.filter)
        row["aggregation"] = aggregation_document(entity.aggregation)
        row["metadata"] = dict(entity.metadata)
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), meters.c.organization_id, kind)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Meter | None:
        statement = self.cached(
            lambda kind: self._readable(kind).where(meters.c.id == bindparam("id", type_=Uuid)),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def lock_for_archiving(self, id: uuid.UUID) -> None:
        statement = self.cached(
            lambda: (
                select(meters.c.id)
                .where(meters.c.id == bindparam("id", type_=Uuid))
                .with_for_update()
            )
        )
        await self.execute(statement, {"id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: MeterFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[MeterSortProperty]],
    ) -> Page[Meter]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            by_query: bool,
            is_archived: bool | None,
            metadata_filters: int,
            sorting: tuple[Sorting[MeterSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    meters.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_query:
                statement = statement.where(containing(meters.c.name))
            if is_archived is not None:
                archived = meters.c.archived_at
                statement = statement.where(
                    archived.is_not(None) if is_archived else archived.is_(None)
                )
            statement = where_metadata(statement, meters.c.metadata, metadata_filters)
            statement = self.apply_sorting(statement, sorting)
            if by_query or metadata_filters:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(
                meters, kind, by_organization=by_organization, archived=is_archived
            )
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            filters.query is not None,
            filters.is_archived,
            len(filters.metadata),
            tuple(sorting),
        )

        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            "query": None if filters.query is None else like_pattern(filters.query),
            **metadata_params(filters.metadata),
        }
        return await self.paginate(statement, pagination, params)
