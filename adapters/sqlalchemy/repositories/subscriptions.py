"""Subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, select

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    metadata_params,
    subject_params,
    where_metadata,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import customers, discounts, products, subscriptions
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.subscriptions.ports import SubscriptionFilters
from application.subscriptions.sorting import SubscriptionSortProperty
from domain.product import Interval
from domain.subscription import (
    ACTIVE_STATUSES,
    CustomerCancellationReason,
    Subscription,
    SubscriptionStatus,
)

# Filter → column: each present filter is `column IN (values)`.
_IN_FILTERS = {
    "product_ids": subscriptions.c.product_id,
    "customer_ids": subscriptions.c.customer_id,
    "discount_ids": subscriptions.c.discount_id,
    "statuses": subscriptions.c.status,
}
_ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)


def _related(column: Any, table: Any, key: Any) -> Any:
    return select(column).where(table.c.id == key).scalar_subquery()


def subscription_entity(row: Mapping[Any, Any]) -> Subscription:
    reason = row["customer_cancellation_reason"]
    return Subscription(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        customer_id=row["customer_id"],
        product_id=row["product_id"],
        price_ids=list(row["price_ids"]),
        amount=row["amount"],
        currency=row["currency"],
        recurring_interval=Interval(row["recurring_interval"]),
        recurring_interval_count=row["recurring_interval_count"],
        status=SubscriptionStatus(row["status"]),
        current_period_start=row["current_period_start"],
        current_period_end=row["current_period_end"],
        trial_start=row["trial_start"],
        trial_end=row["trial_end"],
        cancel_at_period_end=row["cancel_at_period_end"],
        canceled_at=row["canceled_at"],
        started_at=row["started_at"],
        ends_at=row["ends_at"],
        ended_at=row["ended_at"],
        discount_id=row["discount_id"],
        checkout_id=row["checkout_id"],
        seats=row["seats"],
        units=row["units"],
        metadata=dict(row["metadata"]),
        custom_field_data=dict(row["custom_field_data"]),
        customer_cancellation_reason=None if reason is None else CustomerCancellationReason(reason),
        customer_cancellation_comment=row["customer_cancellation_comment"],
    )


class SqlAlchemySubscriptionRepository(
    SortingMixin[Subscription, SubscriptionSortProperty],
    SoftDeletionMixin[Subscription],
    RepositoryBase[Subscription],
):
    table = subscriptions
    entity = Subscription
    sorting_columns = {
        SubscriptionSortProperty.customer: _related(
            customers.c.email, customers, subscriptions.c.customer_id
        ),
        SubscriptionSortProperty.status: subscriptions.c.status,
        SubscriptionSortProperty.started_at: subscriptions.c.started_at,
        SubscriptionSortProperty.current_period_end: subscriptions.c.current_period_end,
        SubscriptionSortProperty.ended_at: subscriptions.c.ended_at,
        SubscriptionSortProperty.ends_at: subscriptions.c.ends_at,
        SubscriptionSortProperty.amount: subscriptions.c.amount,
        SubscriptionSortProperty.product: _related(
            products.c.name, products, subscriptions.c.product_id
        ),
        SubscriptionSortProperty.discount: _related(
            discounts.c.name, discounts, subscriptions.c.discount_id
        ),
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Subscription:
        return subscription_entity(row)

    def to_row(self, entity: Subscription) -> dict[str, Any]:
        row = super().to_row(entity)
        row["price_ids"] = list(entity.price_ids)
        row["recurring_interval"] = entity.recurring_interval.value
        row["status"] = entity.status.value
        row["metadata"] = dict(entity.metadata)
        row["custom_field_data"] = dict(entity.custom_field_data)
        reason = entity.customer_cancellation_reason
        row["customer_cancellation_reason"] = None if reason is None else reason.value
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), subscriptions.c.organization_id, kind)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Subscription | None:
        statement = self.cached(
            lambda kind: self._readable(kind).where(
                subscriptions.c.id == bindparam("id", type_=Uuid)
            ),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: SubscriptionFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[SubscriptionSortProperty]],
    ) -> Page[Subscription]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            present: tuple[str, ...],
            by_external_id: bool,
            active: bool | None,
            cancel_at_period_end: bool | None,
            metadata_filters: int,
            sorting: tuple[Sorting[SubscriptionSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    subscriptions.c.organization_id.in_(
                        bindparam("organization_ids", expanding=True)
                    )
                )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_external_id:
                statement = statement.where(
                    subscriptions.c.customer_id.in_(
                        select(customers.c.id).where(
                            customers.c.organization_id == subscriptions.c.organization_id,
                            customers.c.external_id.in_(
                                bindparam("external_customer_ids", expanding=True)
                            ),
                            customers.c.deleted_at.is_(None),
                        )
                    )
                )
            if active is not None:
                in_active = subscriptions.c.status.in_(_ACTIVE)
                statement = statement.where(in_active if active else ~in_active)
            if cancel_at_period_end is not None:
                statement = statement.where(
                    subscriptions.c.cancel_at_period_end.is_(cancel_at_period_end)
                )
            statement = where_metadata(statement, subscriptions.c.metadata, metadata_filters)
            statement = self.apply_sorting(statement, sorting)
            if (
                present
                or by_external_id
                or active is not None
                or cancel_at_period_end is not None
                or metadata_filters
            ):
                return statement  # Counted by a window over what the filters match.
            total = counted_total(subscriptions, kind, by_organization=by_organization)
            return with_total(statement, total)

        values: dict[str, list[Any]] = {
            "product_ids": list(filters.product_ids),
            "customer_ids": list(filters.customer_ids),
            "discount_ids": list(filters.discount_ids),
            "statuses": [s.value for s in filters.statuses],
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            present,
            bool(filters.external_customer_ids),
            filters.active,
            filters.cancel_at_period_end,
            len(filters.metadata),
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            **{name: values[name] for name in present},
            "external_customer_ids": list(filters.external_customer_ids),
            **metadata_params(filters.metadata),
        }
        return await self.paginate(statement, pagination, params)
