"""Refunds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, Uuid, bindparam

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import of_external_customers, subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import refunds
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.refunds.ports import RefundFilters
from application.refunds.sorting import RefundSortProperty
from domain.refund import Refund, RefundReason, RefundStatus

# Filter → column: each present filter is `column IN (values)`.
_IN_FILTERS = {
    "ids": refunds.c.id,
    "order_ids": refunds.c.order_id,
    "subscription_ids": refunds.c.subscription_id,
    "customer_ids": refunds.c.customer_id,
}


def refund_entity(row: Mapping[Any, Any]) -> Refund:
    values = {k: row[k] for k in row.keys() if k in _FIELDS}  # noqa: SIM118 - a row mapping
    values["status"] = RefundStatus(row["status"])
    values["reason"] = RefundReason(row["reason"])
    values["metadata"] = dict(row["metadata"])
    return Refund(**values)


_FIELDS = {c.name for c in refunds.columns}


class SqlAlchemyRefundRepository(
    SortingMixin[Refund, RefundSortProperty],
    SoftDeletionMixin[Refund],
    RepositoryBase[Refund],
):
    table = refunds
    entity = Refund
    sorting_columns = {
        RefundSortProperty.created_at: refunds.c.created_at,
        RefundSortProperty.amount: refunds.c.amount,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Refund:
        return refund_entity(row)

    def to_row(self, entity: Refund) -> dict[str, Any]:
        row = super().to_row(entity)
        row["status"] = entity.status.value
        row["reason"] = entity.reason.value
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), refunds.c.organization_id, kind)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Refund | None:
        statement = self.cached(
            lambda kind: self._readable(kind).where(refunds.c.id == bindparam("id", type_=Uuid)),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def get_by_processor_id(self, processor_id: str) -> Refund | None:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(refunds.c.processor_id == bindparam("processor_id", type_=String))
                .with_for_update(of=refunds)
            )
        )
        return await self.get_one_or_none(statement, {"processor_id": processor_id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: RefundFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[RefundSortProperty]],
    ) -> Page[Refund]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            present: tuple[str, ...],
            by_external_id: bool,
            succeeded: bool | None,
            sorting: tuple[Sorting[RefundSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    refunds.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_external_id:
                statement = statement.where(of_external_customers(refunds))
            if succeeded is True:
                statement = statement.where(refunds.c.status == RefundStatus.succeeded.value)
            elif succeeded is False:
                statement = statement.where(refunds.c.status != RefundStatus.succeeded.value)
            statement = self.apply_sorting(statement, sorting)
            if present or by_external_id or succeeded is not None:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(refunds, kind, by_organization=by_organization)
            return with_total(statement, total)

        values: dict[str, list[Any]] = {
            "ids": list(filters.ids),
            "order_ids": list(filters.order_ids),
            "subscription_ids": list(filters.subscription_ids),
            "customer_ids": list(filters.customer_ids),
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            present,
            bool(filters.external_customer_ids),
            filters.succeeded,
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            **{name: values[name] for name in present},
            "external_customer_ids": list(filters.external_customer_ids),
        }
        return await self.paginate(statement, pagination, params)
