"""Customers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    Uuid,
    bindparam,
    exists,
    func,
    tuple_,
)

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
from adapters.sqlalchemy.kit.repository import (
    RepositoryBase,
    SoftDeletionMixin,
    SortingMixin,
    ordered,
    register_unique_field,
)
from adapters.sqlalchemy.tables import customers, subscriptions
from application.auth import AuthSubject, SubjectKind
from application.customers.ports import CustomerFilters
from application.customers.service import EMAIL_TAKEN, EXTERNAL_ID_TAKEN
from application.customers.sorting import CustomerSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.address import Address
from domain.customer import Customer, CustomerType
from domain.subscription import BILLABLE_STATUSES

register_unique_field("uq_customers_organization_id_email_live", "email", EMAIL_TAKEN)
register_unique_field(
    "uq_customers_organization_id_external_id_live", "external_id", EXTERNAL_ID_TAKEN
)


def customer_entity(row: Mapping[Any, Any]) -> Customer:
    address = row["billing_address"]
    return Customer(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        type=CustomerType(row["type"]),
        email=row["email"],
        email_verified=row["email_verified"],
        name=row["name"],
        external_id=row["external_id"],
        billing_address=None if address is None else Address.from_document(address),
        tax_id=row["tax_id"],
        tax_id_format=row["tax_id_format"],
        locale=row["locale"],
        metadata=dict(row["metadata"]),
        first_user_event_at=row["first_user_event_at"],
    )


def _billable_subscription() -> ColumnElement[bool]:
    """Whether the customer has a trialing, active or past-due subscription (Polar's
    `get_active_clause`)."""
    return exists().where(
        subscriptions.c.customer_id == customers.c.id,
        subscriptions.c.status.in_(sorted(s.value for s in BILLABLE_STATUSES)),
        subscriptions.c.deleted_at.is_(None),
    )


class SqlAlchemyCustomerRepository(
    SortingMixin[Customer, CustomerSortProperty],
    SoftDeletionMixin[Customer],
    RepositoryBase[Customer],
):
    table = customers
    entity = Customer
    sorting_columns = {
        CustomerSortProperty.created_at: customers.c.created_at,
        CustomerSortProperty.email: customers.c.email,
        CustomerSortProperty.name: customers.c.name,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Customer:
        return customer_entity(row)

    def to_row(self, entity: Customer) -> dict[str, Any]:
        row = super().to_row(entity)
        row["type"] = entity.type.value
        address = entity.billing_address
        row["billing_address"] = None if address is None else address.document()
        row["metadata"] = dict(entity.metadata)
        return row

    async def create_guarded(self, customer: Customer) -> Customer:
        # In a savepoint: PostgreSQL aborts the whole transaction at a unique violation, and
        # rolling back to the savepoint undoes only the insert.
        async with self.connection.begin_nested():
            await self.create(customer)
        return customer

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), customers.c.organization_id, kind)

    async def get_by_id(self, id: uuid.UUID) -> Customer | None:
        # The customer portal's lookup of its session's customer: one reused statement.
        statement = self.cached(
            lambda: self.get_base_statement().where(customers.c.id == bindparam("id", type_=Uuid))
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_including_deleted_for_share(self, id: uuid.UUID) -> Customer | None:
        statement = self.cached(
            lambda: (
                RepositoryBase.get_base_statement(self)
                .where(customers.c.id == bindparam("id", type_=Uuid))
                .with_for_update(of=customers, read=True)
            )
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Customer | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(customers.c.id == bindparam("id", type_=Uuid)),
                customers,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def get_readable_by_external_id(
        self, subject: AuthSubject, external_id: str, *, lock: bool = False
    ) -> Customer | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind)
                .where(customers.c.external_id == bindparam("external_id", type_=String))
                .order_by(customers.c.created_at, customers.c.id)
                .limit(1),
                customers,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self.get_one_or_none(
            statement, {**subject_params(subject), "external_id": external_id}
        )

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CustomerFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomerSortProperty]],
    ) -> Page[Customer]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            by_email: bool,
            by_query: bool,
            metadata_filters: int,
            active: bool | None,
            sorting: tuple[Sorting[CustomerSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    customers.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_email:
                # The unique index's expression: an index lookup.
                statement = statement.where(
                    func.lower(customers.c.email) == func.lower(bindparam("email", type_=String))
                )
            if by_query:
                statement = statement.where(
                    containing(customers.c.email, customers.c.name, customers.c.external_id)
                )
            statement = where_metadata(statement, customers.c.metadata, metadata_filters)
            if active is not None:
                subscribed = _billable_subscription()
                statement = statement.where(subscribed if active else ~subscribed)
            statement = self.apply_sorting(statement, sorting)
            if by_email or by_query or metadata_filters or active is not None:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(customers, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            filters.email is not None,
            filters.query is not None,
            len(filters.metadata),
            filters.active,
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            "email": filters.email,
            "query": None if filters.query is None else like_pattern(filters.query),
            **metadata_params(filters.metadata),
        }
        return await self.paginate(statement, pagination, params)

    async def list_after(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Customer]:
        def build(kind: SubjectKind, by_organization: bool, resumed: bool) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    customers.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if resumed:
                statement = statement.where(
                    tuple_(customers.c.created_at, customers.c.id)
                    > tuple_(
                        bindparam("after_created_at", type_=DateTime(timezone=True)),
                        bindparam("after_id", type_=Uuid),
                    )
                )
            statement = ordered(statement, [(customers.c.created_at, False)], customers.c.id)
            return statement.limit(bindparam("limit", type_=Integer))

        statement = self.cached(build, subject.kind, bool(organization_ids), after is not None)
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(organization_ids),
            "limit": limit,
        }
        if after is not None:
            params["after_created_at"], params["after_id"] = after
        return await self.get_all(statement, params)

    async def get_by_email(self, organization_id: uuid.UUID, email: str) -> Customer | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                customers.c.organization_id == bindparam("organization_id", type_=Uuid),
                func.lower(customers.c.email) == func.lower(bindparam("email", type_=String)),
            )
        )
        return await self.get_one_or_none(
            statement, {"organization_id": organization_id, "email": email}
        )

    async def get_by_external_id(
        self, organization_id: uuid.UUID, external_id: str
    ) -> Customer | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                customers.c.organization_id == bindparam("organization_id", type_=Uuid),
                customers.c.external_id == bindparam("external_id", type_=String),
            )
        )
        return await self.get_one_or_none(
            statement, {"organization_id": organization_id, "external_id": external_id}
        )
