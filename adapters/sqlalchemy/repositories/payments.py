"""Payments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, Uuid, bindparam, func

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import locked, subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import payments
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.payments.ports import PaymentFilters
from application.payments.sorting import PaymentSortProperty
from domain.payment import (
    CardMetadata,
    Payment,
    PaymentMethod,
    PaymentProcessor,
    PaymentStatus,
    PaymentTrigger,
)

# Filter → (column, bound parameter): each present filter is `column IN (values)`.
_IN_FILTERS = {
    "checkout_ids": payments.c.checkout_id,
    "order_ids": payments.c.order_id,
    "customer_ids": payments.c.customer_id,
    "statuses": payments.c.status,
    "methods": payments.c.method,
}


def payment_entity(row: Mapping[Any, Any]) -> Payment:
    trigger = row["trigger"]
    return Payment(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        processor=PaymentProcessor(row["processor"]),
        processor_id=row["processor_id"],
        status=PaymentStatus(row["status"]),
        amount=row["amount"],
        currency=row["currency"],
        method=PaymentMethod(row["method"]),
        method_metadata=CardMetadata.from_document(row["method_metadata"]),
        customer_id=row["customer_id"],
        customer_email=row["customer_email"],
        decline_reason=row["decline_reason"],
        decline_message=row["decline_message"],
        checkout_id=row["checkout_id"],
        order_id=row["order_id"],
        trigger=None if trigger is None else PaymentTrigger(trigger),
        processor_method_id=row["processor_method_id"],
    )


class SqlAlchemyPaymentRepository(
    SortingMixin[Payment, PaymentSortProperty],
    SoftDeletionMixin[Payment],
    RepositoryBase[Payment],
):
    table = payments
    entity = Payment
    sorting_columns = {
        PaymentSortProperty.created_at: payments.c.created_at,
        PaymentSortProperty.status: payments.c.status,
        PaymentSortProperty.amount: payments.c.amount,
        PaymentSortProperty.method: payments.c.method,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Payment:
        return payment_entity(row)

    def to_row(self, entity: Payment) -> dict[str, Any]:
        row = super().to_row(entity)
        row["processor"] = entity.processor.value
        row["status"] = entity.status.value
        row["method"] = entity.method.value
        row["method_metadata"] = entity.method_metadata.document()
        row["trigger"] = None if entity.trigger is None else entity.trigger.value
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), payments.c.organization_id, kind)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Payment | None:
        statement = self.cached(
            lambda kind: self._readable(kind).where(payments.c.id == bindparam("id", type_=Uuid)),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def get_by_processor_id(self, processor_id: str, *, lock: bool = False) -> Payment | None:
        statement = self.cached(
            lambda lock: locked(
                self.get_base_statement().where(
                    payments.c.processor_id == bindparam("processor_id", type_=String)
                ),
                payments,
                lock,
            ),
            lock,
        )
        return await self.get_one_or_none(statement, {"processor_id": processor_id})

    async def latest_for_checkout(self, checkout_id: uuid.UUID) -> Payment | None:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(payments.c.checkout_id == bindparam("checkout_id", type_=Uuid))
                .order_by(payments.c.created_at.desc(), payments.c.id.desc())
                .limit(1)
            )
        )
        return await self.get_one_or_none(statement, {"checkout_id": checkout_id})

    async def succeeded_for_order(self, order_id: uuid.UUID) -> Payment | None:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(
                    payments.c.order_id == bindparam("order_id", type_=Uuid),
                    payments.c.status == PaymentStatus.succeeded.value,
                )
                .order_by(payments.c.created_at.desc(), payments.c.id.desc())
                .limit(1)
            )
        )
        return await self.get_one_or_none(statement, {"order_id": order_id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: PaymentFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[PaymentSortProperty]],
    ) -> Page[Payment]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            present: tuple[str, ...],
            by_email: bool,
            sorting: tuple[Sorting[PaymentSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    payments.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_email:
                statement = statement.where(
                    func.lower(payments.c.customer_email).in_(
                        bindparam("customer_emails", expanding=True)
                    )
                )
            statement = self.apply_sorting(statement, sorting)
            if present or by_email:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(payments, kind, by_organization=by_organization)
            return with_total(statement, total)

        values: dict[str, list[Any]] = {
            "checkout_ids": list(filters.checkout_ids),
            "order_ids": list(filters.order_ids),
            "customer_ids": list(filters.customer_ids),
            "statuses": [s.value for s in filters.statuses],
            "methods": list(filters.methods),
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            present,
            bool(filters.customer_emails),
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            **{name: values[name] for name in present},
            "customer_emails": [e.lower() for e in filters.customer_emails],
        }
        return await self.paginate(statement, pagination, params)
