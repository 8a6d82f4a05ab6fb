"""Idempotency records in PostgreSQL: a claim is one upsert, atomic across processes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Delete,
    Insert,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from adapters.sqlalchemy.kit.repository import RepositoryBase
from adapters.sqlalchemy.tables import idempotency_records
from domain.idempotency import IdempotencyRecord, RecordedResponse

_KEY_COLUMNS = ("subject", "key")

S = TypeVar("S", Update, Delete)


def _where_owned(statement: S) -> S:
    """`statement` limited to one owner's running claim. (Its parameters are not named after
    columns: in an UPDATE, those would be taken for values to SET.)"""
    t = idempotency_records
    return statement.where(
        t.c.subject == bindparam("_subject"),
        t.c.key == bindparam("_key"),
        t.c.owner == bindparam("_owner"),
        t.c.response_status.is_(None),
    )


def _owned(subject: str, key: str, owner: uuid.UUID) -> dict[str, Any]:
    return {"_subject": subject, "_key": key, "_owner": owner}


class SqlAlchemyIdempotencyRecords(RepositoryBase[Any]):
    table = idempotency_records

    def to_record(self, row: Mapping[str, Any]) -> IdempotencyRecord:
        response = None
        if row["response_status"] is not None:
            response = RecordedResponse(
                status=row["response_status"],
                headers=tuple((name, value) for name, value in row["response_headers"]),
                body=bytes(row["response_body"]),
            )
        return IdempotencyRecord(
            subject=row["subject"],
            key=row["key"],
            fingerprint=row["fingerprint"],
            owner=row["owner"],
            created_at=row["created_at"],
            leased_until=row["leased_until"],
            expires_at=row["expires_at"],
            response=response,
        )

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        def build() -> Insert:
            # Insert the claim; on a key already held, take it over only if the held record
            # yields (see IdempotencyRecord.yields_to: expired, or the same request past its
            # lease). Either way the row stays locked until this transaction ends.
            t = idempotency_records
            statement = insert(t)
            new = statement.excluded
            return statement.on_conflict_do_update(
                index_elements=[t.c.subject, t.c.key],
                set_={c.name: new[c.name] for c in t.columns if c.name not in _KEY_COLUMNS},
                where=or_(
                    t.c.expires_at <= bindparam("now"),
                    and_(
                        t.c.response_status.is_(None),
                        t.c.leased_until <= bindparam("now"),
                        t.c.fingerprint == new.fingerprint,
                    ),
                ),
            ).returning(t.c.owner)

        row = {
            "subject": record.subject,
            "key": record.key,
            "fingerprint": record.fingerprint,
            "owner": record.owner,
            "created_at": record.created_at,
            "leased_until": record.leased_until,
            "expires_at": record.expires_at,
            "response_status": None,
            "response_headers": None,
            "response_body": None,
        }
        result = await self.execute(self.cached(build), {**row, "now": now})
        if result.first() is not None:
            return record

        def held() -> Select[Any]:
            t = idempotency_records
            return select(t).where(t.c.subject == bindparam("subject"), t.c.key == bindparam("key"))

        found = await self.rows(self.cached(held), {"subject": record.subject, "key": record.key})
        return self.to_record(found[0])

    async def complete(
        self, subject: str, key: str, owner: uuid.UUID, response: RecordedResponse
    ) -> bool:
        def build() -> Update:
            t = idempotency_records
            return _where_owned(update(t)).values(
                response_status=bindparam("status"),
                response_headers=bindparam("headers", type_=t.c.response_headers.type),
                response_body=bindparam("body", type_=t.c.response_body.type),
            )

        result = await self.execute(
            self.cached(build),
            {
                **_owned(subject, key, owner),
                "status": response.status,
                "headers": [list(header) for header in response.headers],
                "body": response.body,
            },
        )
        return bool(result.rowcount == 1)

    async def release(self, subject: str, key: str, owner: uuid.UUID) -> None:
        def build() -> Delete:
            return _where_owned(delete(idempotency_records))

        await self.execute(self.cached(build), _owned(subject, key, owner))

    async def delete_expired(self, now: datetime, limit: int) -> int:
        def build() -> Delete:
            t = idempotency_records
            # A materialized CTE is evaluated once: a LIMIT subquery the plan scans again (a
            # nested loop) may pick other rows each time and delete more than the batch.
            batch = (
                select(t.c.subject, t.c.key)
                .where(t.c.expires_at <= bindparam("now"))
                .limit(bindparam("limit", type_=Integer))
                .with_for_update(skip_locked=True)
                .cte("batch")
                .prefix_with("MATERIALIZED")
            )
            return delete(t).where(
                tuple_(t.c.subject, t.c.key).in_(select(batch.c.subject, batch.c.key))
            )

        result = await self.execute(self.cached(build), {"now": now, "limit": limit})
        return int(result.rowcount)
