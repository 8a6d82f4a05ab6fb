"""Custom fields."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, Uuid, bindparam

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
from adapters.sqlalchemy.mappers import custom_field_entity
from adapters.sqlalchemy.tables import custom_fields
from application.auth import AuthSubject, SubjectKind
from application.custom_fields.ports import CustomFieldFilters
from application.custom_fields.service import SLUG_TAKEN
from application.custom_fields.sorting import CustomFieldSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.custom_field import CustomField

register_unique_field("uq_custom_fields_organization_id_slug_live", "slug", SLUG_TAKEN)


class SqlAlchemyCustomFieldRepository(
    SortingMixin[CustomField, CustomFieldSortProperty],
    SoftDeletionMixin[CustomField],
    RepositoryBase[CustomField],
):
    table = custom_fields
    entity = CustomField
    sorting_columns = {
        CustomFieldSortProperty.created_at: custom_fields.c.created_at,
        CustomFieldSortProperty.slug: custom_fields.c.slug,
        CustomFieldSortProperty.name: custom_fields.c.name,
        CustomFieldSortProperty.type: custom_fields.c.type,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> CustomField:
        return custom_field_entity(row)

    def to_row(self, entity: CustomField) -> dict[str, Any]:
        row = super().to_row(entity)
        row["type"] = entity.type.value
        row["properties"] = dict(entity.properties)
        row["metadata"] = dict(entity.metadata)
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), custom_fields.c.organization_id, kind)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CustomField | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(custom_fields.c.id == bindparam("id", type_=Uuid)),
                custom_fields,
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
        filters: CustomFieldFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomFieldSortProperty]],
    ) -> Page[CustomField]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            by_query: bool,
            by_type: bool,
            sorting: tuple[Sorting[CustomFieldSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    custom_fields.c.organization_id.in_(
                        bindparam("organization_ids", expanding=True)
                    )
                )
            if by_query:
                statement = statement.where(containing(custom_fields.c.name, custom_fields.c.slug))
            if by_type:
                statement = statement.where(
                    custom_fields.c.type.in_(bindparam("types", expanding=True))
                )
            statement = self.apply_sorting(statement, sorting)
            if by_query or by_type:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(custom_fields, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            filters.query is not None,
            bool(filters.types),
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            "query": None if filters.query is None else like_pattern(filters.query),
            "types": [t.value for t in filters.types],
        }
        return await self.paginate(statement, pagination, params)

    async def get_by_slug(self, organization_id: uuid.UUID, slug: str) -> CustomField | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                custom_fields.c.organization_id == bindparam("organization_id", type_=Uuid),
                custom_fields.c.slug == bindparam("slug", type_=String),
            )
        )
        return await self.get_one_or_none(
            statement, {"organization_id": organization_id, "slug": slug}
        )
