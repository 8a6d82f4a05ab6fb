"""License keys and their activations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, String, Uuid, bindparam, func, select

from adapters.sqlalchemy.kit.filters import locked, subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, ordered
from adapters.sqlalchemy.tables import license_key_activations, license_keys
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.license_keys.ports import LicenseKeyFilters
from domain.license_key import LicenseKey, LicenseKeyActivation, LicenseKeyStatus

_IN_FILTERS = {
    "organization_ids": license_keys.c.organization_id,
    "benefit_ids": license_keys.c.benefit_id,
    "statuses": license_keys.c.status,
}


class SqlAlchemyLicenseKeyRepository(SoftDeletionMixin[LicenseKey], RepositoryBase[LicenseKey]):
    table = license_keys
    entity = LicenseKey

    def to_entity(self, row: Mapping[Any, Any]) -> LicenseKey:
        key = super().to_entity(row)
        key.status = LicenseKeyStatus(row["status"])
        return key

    def to_row(self, entity: LicenseKey) -> dict[str, Any]:
        row = super().to_row(entity)
        row["status"] = entity.status.value
        return row

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> LicenseKey | None:
        statement = self.cached(
            lambda lock: locked(
                self.get_base_statement().where(license_keys.c.id == bindparam("id", type_=Uuid)),
                license_keys,
                lock,
            ),
            lock,
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> LicenseKey | None:
        statement = self.cached(
            lambda kind, lock: locked(
                where_readable(
                    self.get_base_statement(), license_keys.c.organization_id, kind
                ).where(license_keys.c.id == bindparam("id", type_=Uuid)),
                license_keys,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def get_by_key(
        self, organization_id: uuid.UUID, key: str, *, lock: bool = False
    ) -> LicenseKey | None:
        statement = self.cached(
            lambda lock: locked(
                self.get_base_statement().where(
                    license_keys.c.organization_id == bindparam("organization_id", type_=Uuid),
                    license_keys.c.key == bindparam("key", type_=String),
                ),
                license_keys,
                lock,
            ),
            lock,
        )
        return await self.get_one_or_none(
            statement, {"organization_id": organization_id, "key": key}
        )

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: LicenseKeyFilters,
        pagination: PaginationParams,
    ) -> Page[LicenseKey]:
        def build(kind: SubjectKind, present: tuple[str, ...]) -> Select[Any]:
            statement = where_readable(
                self.get_base_statement(), license_keys.c.organization_id, kind
            )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            return ordered(statement, [(license_keys.c.created_at, False)], license_keys.c.id)

        values: dict[str, list[Any]] = {
            "organization_ids": list(filters.organization_ids),
            "benefit_ids": list(filters.benefit_ids),
            "statuses": [s.value for s in filters.statuses],
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(build, subject.kind, present)
        params = {**subject_params(subject), **{name: values[name] for name in present}}
        return await self.paginate(statement, pagination, params)


class SqlAlchemyLicenseKeyActivationRepository(
    SoftDeletionMixin[LicenseKeyActivation], RepositoryBase[LicenseKeyActivation]
):
    table = license_key_activations
    entity = LicenseKeyActivation

    def to_entity(self, row: Mapping[Any, Any]) -> LicenseKeyActivation:
        activation = super().to_entity(row)
        activation.meta = dict(activation.meta or {})
        activation.conditions = dict(activation.conditions or {})
        return activation

    async def get_live(
        self, license_key_id: uuid.UUID, id: uuid.UUID
    ) -> LicenseKeyActivation | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                license_key_activations.c.id == bindparam("id", type_=Uuid),
                license_key_activations.c.license_key_id == bindparam("license_key_id", type_=Uuid),
            )
        )
        return await self.get_one_or_none(statement, {"id": id, "license_key_id": license_key_id})

    async def list_live(self, license_key_id: uuid.UUID) -> list[LicenseKeyActivation]:
        statement = self.cached(
            lambda: ordered(
                self.get_base_statement().where(
                    license_key_activations.c.license_key_id
                    == bindparam("license_key_id", type_=Uuid)
                ),
                [(license_key_activations.c.created_at, False)],
                license_key_activations.c.id,
            )
        )
        return await self.get_all(statement, {"license_key_id": license_key_id})

    async def count_live(self, license_key_id: uuid.UUID) -> int:
        statement = self.cached(
            lambda: (
                select(func.count())
                .select_from(license_key_activations)
                .where(
                    license_key_activations.c.license_key_id
                    == bindparam("license_key_id", type_=Uuid),
                    license_key_activations.c.deleted_at.is_(None),
                )
            )
        )
        result = await self.execute(statement, {"license_key_id": license_key_id})
        return int(result.scalar_one())
