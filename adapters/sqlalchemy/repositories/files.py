from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, ordered
from adapters.sqlalchemy.mappers import file_entity
from adapters.sqlalchemy.tables.files import files
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from domain.file import File


class SqlAlchemyFileRepository(SoftDeletionMixin[File], RepositoryBase[File]):
    table = files
    entity = File

    def to_entity(self, row: Mapping[Any, Any]) -> File:
        return file_entity(row)

    def to_row(self, entity: File) -> dict[str, Any]:
        row = super().to_row(entity)
        row["service"] = entity.service.value
        row["upload_state"] = entity.upload_state.value
        return row

    def get_readable_statement(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), files.c.organization_id, kind)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> File | None:
        statement = self.cached(
            lambda kind: self.get_readable_statement(kind).where(
                files.c.id == bindparam("id", type_=Uuid)
            ),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[File]:
        def build(kind: SubjectKind, by_organization: bool, by_ids: bool) -> Select[Any]:
            statement = self.get_readable_statement(kind)
            if by_organization:
                statement = statement.where(
                    files.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_ids:
                statement = statement.where(files.c.id.in_(bindparam("ids", expanding=True)))
            statement = ordered(statement, [(files.c.created_at, True)], files.c.id)
            if by_ids:
                return statement  # Counted by a window over the ids given.
            total = counted_total(files, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(build, subject.kind, bool(organization_ids), bool(ids))

        params = {
            **subject_params(subject),
            "organization_ids": list(organization_ids or []),
            "ids": list(ids or []),
        }
        return await self.paginate(statement, pagination, params)
