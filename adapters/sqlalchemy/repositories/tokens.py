from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Select, Table, Uuid, bindparam, or_, update

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import (
    organization_access_tokens,
    organizations,
    personal_access_tokens,
    users,
)
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.tokens.sorting import AccessTokenSortProperty
from domain.access_token import OrganizationAccessToken, PersonalAccessToken, _AccessToken
from domain.scopes import parse_scopes


class _TokenRows:
    table: ClassVar[Table]

    def _scopes_in(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        values = dict(row)
        values["scopes"] = parse_scopes(values["scopes"])
        return values

    def _scopes_out(self, row: dict[str, Any], token: _AccessToken) -> dict[str, Any]:
        row["scopes"] = sorted(s.value for s in token.scopes)
        return row

    async def _record_usage(self, connection: Any, usages: dict[uuid.UUID, datetime]) -> None:
        if not usages:
            return
        statement = (
            update(self.table)
            .where(self.table.c.id == bindparam("token_id"))
            .where(
                or_(
                    self.table.c.last_used_at.is_(None),
                    self.table.c.last_used_at < bindparam("used_at"),
                )
            )
            .values(last_used_at=bindparam("used_at"))
        )
        await connection.execute(
            statement, [{"token_id": id, "used_at": at} for id, at in usages.items()]
        )


class SqlAlchemyPersonalAccessTokenRepository(
    _TokenRows, SoftDeletionMixin[PersonalAccessToken], RepositoryBase[PersonalAccessToken]
):
    table = personal_access_tokens
    entity = PersonalAccessToken

    def to_entity(self, row: Mapping[Any, Any]) -> PersonalAccessToken:
        return super().to_entity(self._scopes_in(row))

    def to_row(self, entity: PersonalAccessToken) -> dict[str, Any]:
        return self._scopes_out(super().to_row(entity), entity)

    async def get_usable_by_digest(self, digest: str, now: datetime) -> PersonalAccessToken | None:
        def build() -> Select[Any]:
            t = personal_access_tokens
            return (
                self.get_base_statement()
                .join(users, users.c.id == t.c.user_id)
                .where(t.c.token_digest == bindparam("digest"), users.c.deleted_at.is_(None))
                .where(or_(t.c.expires_at.is_(None), t.c.expires_at > bindparam("now")))
            )

        statement = self.cached(build)
        return await self.get_one_or_none(statement, {"digest": digest, "now": now})

    async def record_usage(self, usages: dict[uuid.UUID, datetime]) -> None:
        await self._record_usage(self.connection, usages)


class SqlAlchemyOrganizationAccessTokenRepository(
    _TokenRows,
    SortingMixin[OrganizationAccessToken, AccessTokenSortProperty],
    SoftDeletionMixin[OrganizationAccessToken],
    RepositoryBase[OrganizationAccessToken],
):
    table = organization_access_tokens
    entity = OrganizationAccessToken
    sorting_columns = {
        AccessTokenSortProperty.created_at: organization_access_tokens.c.created_at,
        AccessTokenSortProperty.comment: organization_access_tokens.c.comment,
        AccessTokenSortProperty.last_used_at: organization_access_tokens.c.last_used_at,
        AccessTokenSortProperty.organization_id: organization_access_tokens.c.organization_id,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> OrganizationAccessToken:
        return super().to_entity(self._scopes_in(row))

    def to_row(self, entity: OrganizationAccessToken) -> dict[str, Any]:
        return self._scopes_out(super().to_row(entity), entity)

    def _readable(self, kind: SubjectKind) -> Any:
        return where_readable(
            self.get_base_statement(), organization_access_tokens.c.organization_id, kind
        )

    async def get_usable_by_digest(
        self, digest: str, now: datetime
    ) -> OrganizationAccessToken | None:
        def build() -> Select[Any]:
            t = organization_access_tokens
            return (
                self.get_base_statement()
                .join(organizations, organizations.c.id == t.c.organization_id)
                .where(
                    t.c.token_digest == bindparam("digest"), organizations.c.deleted_at.is_(None)
                )
                .where(or_(t.c.expires_at.is_(None), t.c.expires_at > bindparam("now")))
            )

        statement = self.cached(build)
        return await self.get_one_or_none(statement, {"digest": digest, "now": now})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID
    ) -> OrganizationAccessToken | None:
        statement = self.cached(
            lambda kind: self._readable(kind).where(
                organization_access_tokens.c.id == bindparam("id", type_=Uuid)
            ),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[AccessTokenSortProperty]],
    ) -> Page[OrganizationAccessToken]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            sorting: tuple[Sorting[AccessTokenSortProperty], ...],
        ) -> Any:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    organization_access_tokens.c.organization_id.in_(
                        bindparam("organization_ids", expanding=True)
                    )
                )
            total = counted_total(organization_access_tokens, kind, by_organization=by_organization)
            return with_total(self.apply_sorting(statement, sorting), total)

        statement = self.cached(build, subject.kind, bool(organization_ids), tuple(sorting))
        params = {**subject_params(subject), "organization_ids": list(organization_ids or [])}
        return await self.paginate(statement, pagination, params)

    async def revoke_all_for_organization(self, organization_id: uuid.UUID, at: datetime) -> int:
        t = organization_access_tokens
        result = await self.connection.execute(
            update(t)
            .where(t.c.organization_id == organization_id, t.c.deleted_at.is_(None))
            .values(deleted_at=at, modified_at=at)
        )
        return int(result.rowcount)

    async def record_usage(self, usages: dict[uuid.UUID, datetime]) -> None:
        await self._record_usage(self.connection, usages)
