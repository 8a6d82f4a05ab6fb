"""Customer sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, Select, String, bindparam, delete, select

from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin
from adapters.sqlalchemy.tables import customer_sessions, customers, organizations
from domain.customer_session import CustomerSession


class SqlAlchemyCustomerSessionRepository(
    SoftDeletionMixin[CustomerSession], RepositoryBase[CustomerSession]
):
    table = customer_sessions
    entity = CustomerSession

    async def get_usable_by_digest(self, digest: str, now: datetime) -> CustomerSession | None:
        def build() -> Select[Any]:
            s = customer_sessions
            return (
                self.get_base_statement()
                .join(customers, customers.c.id == s.c.customer_id)
                .join(organizations, organizations.c.id == s.c.organization_id)
                .where(
                    s.c.token_digest == bindparam("digest", type_=String),
                    s.c.expires_at > bindparam("now", type_=DateTime(timezone=True)),
                    customers.c.deleted_at.is_(None),
                    organizations.c.deleted_at.is_(None),
                )
            )

        return await self.get_one_or_none(self.cached(build), {"digest": digest, "now": now})

    async def delete_expired(self, now: datetime, *, limit: int) -> int:
        def build() -> Any:
            s = customer_sessions
            due = (
                select(s.c.id)
                .where(s.c.expires_at <= bindparam("now", type_=DateTime(timezone=True)))
                .order_by(s.c.expires_at)
                .limit(bindparam("limit", type_=Integer))
                .with_for_update(skip_locked=True)
            )
            return delete(s).where(s.c.id.in_(due.scalar_subquery()))

        result = await self.execute(self.cached(build), {"now": now, "limit": limit})
        return int(result.rowcount)
