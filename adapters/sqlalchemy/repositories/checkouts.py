"""Checkouts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, Select, String, Uuid, bindparam, func, select
from sqlalchemy.exc import DBAPIError

from adapters.sqlalchemy.engine import is_lock_refused
from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    locked,
    subject_params,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import checkouts
from application.auth import AuthSubject, SubjectKind
from application.checkouts.ports import CheckoutFilters
from application.checkouts.sorting import CheckoutSortProperty
from application.kit.errors import RowLocked
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.address import Address
from domain.checkout import Checkout, CheckoutStatus
from domain.product import Interval

# A checkout in these holds a redemption of its discount.
REDEEMED_STATUSES = (CheckoutStatus.confirmed.value, CheckoutStatus.succeeded.value)

# Filter → column: each present filter is `column IN (values)`.
_IN_FILTERS = {
    "product_ids": checkouts.c.product_id,
    "customer_ids": checkouts.c.customer_id,
    "external_customer_ids": checkouts.c.external_customer_id,
    "statuses": checkouts.c.status,
}


def checkout_entity(row: Mapping[Any, Any]) -> Checkout:
    values = {k: row[k] for k in row.keys() if k in _FIELDS}  # noqa: SIM118 - a row mapping
    address = row["customer_billing_address"]
    values["customer_billing_address"] = None if address is None else Address.from_document(address)
    values["status"] = CheckoutStatus(row["status"])
    values["product_ids"] = list(row["product_ids"])
    values["metadata"] = dict(row["metadata"])
    values["customer_metadata"] = dict(row["customer_metadata"])
    values["custom_field_data"] = dict(row["custom_field_data"])
    interval = row["trial_interval"]
    values["trial_interval"] = None if interval is None else Interval(interval)
    return Checkout(**values)


_FIELDS = {c.name for c in checkouts.columns}


class SqlAlchemyCheckoutRepository(
    SortingMixin[Checkout, CheckoutSortProperty],
    SoftDeletionMixin[Checkout],
    RepositoryBase[Checkout],
):
    table = checkouts
    entity = Checkout
    sorting_columns = {
        CheckoutSortProperty.created_at: checkouts.c.created_at,
        CheckoutSortProperty.expires_at: checkouts.c.expires_at,
        CheckoutSortProperty.status: checkouts.c.status,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Checkout:
        return checkout_entity(row)

    def to_row(self, entity: Checkout) -> dict[str, Any]:
        row = super().to_row(entity)
        row["status"] = entity.status.value
        address = entity.customer_billing_address
        row["customer_billing_address"] = None if address is None else address.document()
        return row

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), checkouts.c.organization_id, kind)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Checkout | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(checkouts.c.id == bindparam("id", type_=Uuid)),
                checkouts,
                lock,
                nowait=True,
            ),
            subject.kind,
            lock,
        )
        return await self._locking(statement, {**subject_params(subject), "id": id})

    async def get_by_client_secret(
        self, client_secret: str, *, lock: bool = False
    ) -> Checkout | None:
        statement = self.cached(
            lambda lock: locked(
                self.get_base_statement().where(
                    checkouts.c.client_secret == bindparam("client_secret", type_=String)
                ),
                checkouts,
                lock,
                nowait=True,
            ),
            lock,
        )
        return await self._locking(statement, {"client_secret": client_secret})

    async def _locking(self, statement: Any, params: dict[str, Any]) -> Checkout | None:
        try:
            return await self.get_one_or_none(statement, params)
        except DBAPIError as error:
            if is_lock_refused(error):
                raise RowLocked() from error
            raise

    async def get_locked(self, id: uuid.UUID) -> Checkout | None:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(checkouts.c.id == bindparam("id", type_=Uuid))
                .with_for_update(of=checkouts)
            )
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def count_redeemed(self, discount_id: uuid.UUID, customer_id: uuid.UUID) -> int:
        statement = self.cached(
            lambda: select(func.count().label("n")).where(
                checkouts.c.discount_id == bindparam("discount_id", type_=Uuid),
                checkouts.c.customer_id == bindparam("customer_id", type_=Uuid),
                checkouts.c.status.in_(REDEEMED_STATUSES),
                checkouts.c.deleted_at.is_(None),
            )
        )
        rows = await self.rows(statement, {"discount_id": discount_id, "customer_id": customer_id})
        return int(rows[0]["n"])

    async def expired_open(self, at: datetime, *, limit: int) -> list[Checkout]:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(
                    checkouts.c.status == CheckoutStatus.open.value,
                    checkouts.c.expires_at <= bindparam("at", type_=DateTime(timezone=True)),
                )
                .order_by(checkouts.c.expires_at)
                .limit(bindparam("limit", type_=Integer))
                .with_for_update(skip_locked=True)
            )
        )
        return await self.get_all(statement, {"at": at, "limit": limit})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutSortProperty]],
    ) -> Page[Checkout]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            present: tuple[str, ...],
            by_query: bool,
            sorting: tuple[Sorting[CheckoutSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    checkouts.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            for name in present:
                statement = statement.where(_IN_FILTERS[name].in_(bindparam(name, expanding=True)))
            if by_query:
                statement = statement.where(containing(checkouts.c.customer_email))
            statement = self.apply_sorting(statement, sorting)
            if present or by_query:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(checkouts, kind, by_organization=by_organization)
            return with_total(statement, total)

        values: dict[str, list[Any]] = {
            "product_ids": list(filters.product_ids),
            "customer_ids": list(filters.customer_ids),
            "external_customer_ids": list(filters.external_customer_ids),
            "statuses": [s.value for s in filters.statuses],
        }
        present = tuple(name for name in _IN_FILTERS if values[name])
        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            present,
            bool(filters.query),
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
            **{name: values[name] for name in present},
        }
        if filters.query:
            params["query"] = like_pattern(filters.query)
        return await self.paginate(statement, pagination, params)
