"""Orders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    locked,
    of_external_customers,
    subject_params,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import orders
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.ports import OrderFilters
from application.orders.sorting import OrderSortProperty
from domain.address import Address
from domain.order import BillingReason, Order, OrderItem, OrderStatus

# Filter → column: each present filter is `column IN (values)`.
_IN_FILTERS = {
    "product_ids": orders.c.product_id,
    "discount_ids": orders.c.discount_id,
    "customer_ids": orders.c.customer_id,
    "checkout_ids": orders.c.checkout_id,
    "subscription_ids": orders.c.subscription_id,
    "statuses": orders.c.status,
}
_FIELDS = {c.name for c in orders.columns}


def order_entity(row: Mapping[Any, Any]) -> Order:
    values = {k: row[k] for k in row.keys() if k in _FIELDS}  # noqa: SIM118 - a row mapping
    values.pop("invoice_number", None)
    address = row["billing_address"]
    values["billing_address"] = None if address is None else Address.from_document(address)
    values["status"] = OrderStatus(row["status"])
    values["billing_reason"] = BillingReason(row["billing_reason"])
    values["items"] = [OrderItem.from_document(item) for item in row["items"]]
    values["metadata"] = dict(row["metadata"])
    values["custom_field_data"] = dict(row["custom_field_data"])
    return Order(**values)


class SqlAlchemyOrderRepository(
    SortingMixin[Order, OrderSortProperty],
    SoftDeletionMixin[Order],
    RepositoryBase[Order],
):
    table = orders
    entity = Order
    sorting_columns = {
        OrderSortProperty.created_at: orders.c.created_at,
        OrderSortProperty.status: orders.c.status,
        OrderSortProperty.invoice_number: orders.c.invoice_number,
        OrderSortProperty.amount: orders.c.total_amount,
        OrderSortProperty.net_amount: orders.c.net_amount,
        OrderSortProperty.customer: orders.c.customer_id,
        OrderSortProperty.product: orders.c.product_id,
        OrderSortProperty.discount: orders.c.discount_id,
        OrderSortProperty.subscription: orders.c.subscription_id,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Order:
        return order_entity(row)

    def to_row(self, entity: Order) -> dict[str, Any]:
        row = {c.name: getattr(entity, c.name, None) for c in orders.columns}
        row["status"] = entity.status.value
        row["billing_reason"] = entity.billing_reason.value
        address = entity.billing_address
        row["billing_address"] = None if address is None else address.document()
        row["items"] = [item.document() for item in entity.items]
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), orders.c.organization_id, kind)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Order | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(orders.c.id == bindparam("id", type_=Uuid)),
                orders,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def get_by_checkout(self, checkout_id: uuid.UUID) -> Order | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                orders.c.checkout_id == bindparam("checkout_id", type_=Uuid)
            )
        )
        return await self.get_one_or_none(statement, {"checkout_id": checkout_id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: OrderFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrderSortProperty]],
    ) -> Page[Order]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            present: tuple[str, ...],
            by_external_id: bool,
            billing_types: tuple[str, ...],
            sorting: tuple[Sorting[OrderSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    orders.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_external_id:
                statement = statement.where(of_external_customers(orders))
            if billing_types == ("one_time",):
                statement = statement.where(orders.c.subscription_id.is_(None))
            elif billing_types == ("recurring",):
                statement = statement.where(orders.c.subscription_id.is_not(None))
            statement = self.apply_sorting(statement, sorting)
            if present or by_external_id or len(billing_types) == 1:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(orders, kind, by_organization=by_organization)
            return with_total(statement, total)

        values: dict[str, list[Any]] = {
            "product_ids": list(filters.product_ids),
            "discount_ids": list(filters.discount_ids),
            "customer_ids": list(filters.customer_ids),
            "checkout_ids": list(filters.checkout_ids),
            "subscription_ids": list(filters.subscription_ids),
            "statuses": [s.value for s in filters.statuses],
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        billing_types = tuple(sorted(set(filters.product_billing_types)))
        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            present,
            bool(filters.external_customer_ids),
            billing_types,
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            **{name: values[name] for name in present},
            "external_customer_ids": list(filters.external_customer_ids),
        }
        return await self.paginate(statement, pagination, params)
