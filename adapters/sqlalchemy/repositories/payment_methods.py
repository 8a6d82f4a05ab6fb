"""Saved payment methods."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    String,
    Uuid,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin
from adapters.sqlalchemy.tables import payment_methods
from application.kit.pagination import Page, PaginationParams
from domain.payment import CardMetadata, PaymentMethod, PaymentProcessor
from domain.payment_method import SavedPaymentMethod

_t = payment_methods.c

# The columns an addition sets from its entity (`is_default` is decided by the statement).
_ADDED = ("id", "created_at", "modified_at", "deleted_at", "organization_id", "customer_id")


class SqlAlchemyPaymentMethodRepository(
    SoftDeletionMixin[SavedPaymentMethod], RepositoryBase[SavedPaymentMethod]
):
    table = payment_methods
    entity = SavedPaymentMethod

    def to_entity(self, row: Mapping[Any, Any]) -> SavedPaymentMethod:
        return SavedPaymentMethod(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            organization_id=row["organization_id"],
            customer_id=row["customer_id"],
            processor=PaymentProcessor(row["processor"]),
            processor_id=row["processor_id"],
            type=PaymentMethod(row["type"]),
            method_metadata=CardMetadata.from_document(row["method_metadata"]),
            is_default=row["is_default"],
        )

    def to_row(self, entity: SavedPaymentMethod) -> dict[str, Any]:
        row = super().to_row(entity)
        row["processor"] = entity.processor.value
        row["type"] = entity.type.value
        row["method_metadata"] = entity.method_metadata.document()
        return row

    async def add(self, method: SavedPaymentMethod) -> SavedPaymentMethod:
        # Additions for one customer take turns (until the commit): the one that finds the
        # customer without a method, and only that one, makes its method the default.
        serialize = self.cached(
            lambda: select(
                func.pg_advisory_xact_lock(
                    func.hashtextextended(
                        literal("payment_methods:") + bindparam("customer_key", type_=String),
                        literal(0, BigInteger),
                    )
                )
            )
        )
        await self.execute(serialize, {"customer_key": str(method.customer_id)})

        def build() -> Any:
            first = ~exists(
                select(literal(1)).where(
                    _t.customer_id == bindparam("customer_id", type_=Uuid),
                    _t.deleted_at.is_(None),
                )
            )
            return (
                insert(payment_methods)
                .values(
                    {
                        **{name: bindparam(name) for name in _ADDED},
                        "processor": bindparam("processor", type_=String),
                        "processor_id": bindparam("processor_id", type_=String),
                        "type": bindparam("type", type_=String),
                        "method_metadata": bindparam(
                            "method_metadata", type_=_t.method_metadata.type
                        ),
                        "is_default": cast(first, Boolean),
                    }
                )
                .on_conflict_do_nothing(index_elements=["customer_id", "processor_id"])
                .returning(_t.id)
            )

        row = self.to_row(method)
        row.pop("is_default")
        await self.execute(self.cached(build), row)
        found = await self._get_for_customer(method.customer_id, method.processor_id)
        assert found is not None, "an added method is there"
        return found

    async def _get_for_customer(
        self, customer_id: uuid.UUID, processor_id: str
    ) -> SavedPaymentMethod | None:
        statement = self.cached(
            lambda: select(payment_methods).where(
                _t.customer_id == bindparam("customer_id", type_=Uuid),
                _t.processor_id == bindparam("processor_id", type_=String),
            )
        )
        return await self.get_one_or_none(
            statement, {"customer_id": customer_id, "processor_id": processor_id}
        )

    async def list_for_customer(
        self, customer_id: uuid.UUID, pagination: PaginationParams
    ) -> Page[SavedPaymentMethod]:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(_t.customer_id == bindparam("customer_id", type_=Uuid))
                .order_by(_t.is_default.desc(), _t.created_at.desc(), _t.id.desc())
            )
        )
        return await self.paginate(statement, pagination, {"customer_id": customer_id})
