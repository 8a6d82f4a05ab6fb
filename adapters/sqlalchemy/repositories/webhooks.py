"""Webhook endpoints, events and deliveries in PostgreSQL.

Claiming work uses row locks with SKIP LOCKED, so any number of workers (and sweepers) share
the events without sending one twice at the same time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    Uuid,
    any_,
    bindparam,
    exists,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    subject_params,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, ordered
from adapters.sqlalchemy.tables import webhook_deliveries, webhook_endpoints, webhook_events
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.webhooks.ports import DeliveryFilters
from domain.webhook import (
    EventStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookFormat,
)

PENDING = EventStatus.pending.value
_MUTABLE_EVENT_COLUMNS = (
    "modified_at",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "locked_until",
    "dispatched_at",
    "last_http_code",
    "succeeded",
    "skipped",
    "is_archived",
)


class SqlAlchemyWebhookEndpointRepository(
    SoftDeletionMixin[WebhookEndpoint], RepositoryBase[WebhookEndpoint]
):
    table = webhook_endpoints
    entity = WebhookEndpoint

    def to_entity(self, row: Mapping[Any, Any]) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            organization_id=row["organization_id"],
            url=row["url"],
            name=row["name"],
            format=WebhookFormat(row["format"]),
            secret=row["secret"],
            events=list(row["events"]),
            api_version=row["api_version"],
            enabled=row["enabled"],
            consecutive_failures=row["consecutive_failures"],
        )

    def to_row(self, entity: WebhookEndpoint) -> dict[str, Any]:
        row = super().to_row(entity)
        row["format"] = entity.format.value
        row["events"] = list(entity.events)
        return row

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> WebhookEndpoint | None:
        def build(lock: bool) -> Select[Any]:
            statement = self.get_base_statement().where(
                webhook_endpoints.c.id == bindparam("id", type_=Uuid)
            )
            return statement.with_for_update() if lock else statement

        return await self.get_one_or_none(self.cached(build, lock), {"id": id})

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEndpoint | None:
        statement = self.cached(
            lambda kind: where_readable(
                self.get_base_statement(), webhook_endpoints.c.organization_id, kind
            ).where(webhook_endpoints.c.id == bindparam("id", type_=Uuid)),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[WebhookEndpoint]:
        def build(kind: SubjectKind, by_organization: bool) -> Select[Any]:
            statement = where_readable(
                self.get_base_statement(), webhook_endpoints.c.organization_id, kind
            )
            if by_organization:
                statement = statement.where(
                    webhook_endpoints.c.organization_id.in_(
                        bindparam("organization_ids", expanding=True)
                    )
                )
            statement = ordered(
                statement, [(webhook_endpoints.c.created_at, True)], webhook_endpoints.c.id
            )
            total = counted_total(webhook_endpoints, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(build, subject.kind, bool(organization_ids))
        params = {**subject_params(subject), "organization_ids": list(organization_ids or [])}
        return await self.paginate(statement, pagination, params)

    async def list_subscribed(
        self, organization_id: uuid.UUID, event_type: str
    ) -> Sequence[WebhookEndpoint]:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .where(
                    webhook_endpoints.c.organization_id == bindparam("organization_id", type_=Uuid),
                    webhook_endpoints.c.enabled.is_(True),
                    bindparam("event_type", type_=String) == any_(webhook_endpoints.c.events),
                )
                .order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
            )
        )
        return await self.get_all(
            statement, {"organization_id": organization_id, "event_type": event_type}
        )

    async def update(
        self, entity: WebhookEndpoint, changes: dict[str, Any] | None = None
    ) -> WebhookEndpoint:
        return await super().update(entity, changes)


def _claim_statement() -> Any:
    """One statement: pick the endpoint's next sendable event (locking it, skipping rows other
    workers hold) and lease it. Parameters: p_endpoint_id, p_now, p_lease_until,
    p_waited_since."""
    e = webhook_events
    candidate = webhook_events.alias("candidate")
    older = webhook_events.alias("older")
    c = candidate.c
    now = bindparam("p_now", type_=DateTime(timezone=True))
    no_older_pending = ~exists().where(
        older.c.endpoint_id == c.endpoint_id,
        older.c.status == PENDING,
        tuple_(older.c.created_at, older.c.id) < tuple_(c.created_at, c.id),
    )
    chosen = (
        select(c.id)
        .where(
            c.endpoint_id == bindparam("p_endpoint_id", type_=Uuid),
            c.status == PENDING,
            c.next_attempt_at <= now,
            or_(c.locked_until.is_(None), c.locked_until < now),
            or_(
                c.created_at <= bindparam("p_waited_since", type_=DateTime(timezone=True)),
                no_older_pending,
            ),
        )
        .order_by(c.created_at, c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=candidate)
        .scalar_subquery()
    )
    return (
        update(e)
        .where(e.c.id == chosen)
        .values(locked_until=bindparam("p_lease_until", type_=DateTime(timezone=True)))
        .returning(*e.c)
    )


# Built once: on the delivery path, building a statement costs more than running it.
_CLAIM = _claim_statement()
_UPDATE_EVENT = (
    update(webhook_events)
    .where(webhook_events.c.id == bindparam("p_id", type_=Uuid))
    .values({name: bindparam(f"p_{name}") for name in _MUTABLE_EVENT_COLUMNS})
)


_INSERT_EVENTS = (
    pg_insert(webhook_events)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(webhook_events.c.id)
)
_LOCK_ENDPOINTS = (
    select(webhook_endpoints.c.id)
    .where(webhook_endpoints.c.id.in_(bindparam("p_ids", expanding=True)))
    .order_by(webhook_endpoints.c.id)
    .with_for_update(key_share=True)
)


class SqlAlchemyWebhookEventRepository(RepositoryBase[WebhookEvent]):
    table = webhook_events
    entity = WebhookEvent

    def to_entity(self, row: Mapping[Any, Any]) -> WebhookEvent:
        return WebhookEvent(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            endpoint_id=row["endpoint_id"],
            organization_id=row["organization_id"],
            type=row["type"],
            api_version=row["api_version"],
            payload=row["payload"],
            status=EventStatus(row["status"]),
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            locked_until=row["locked_until"],
            dispatched_at=row["dispatched_at"],
            last_http_code=row["last_http_code"],
            succeeded=row["succeeded"],
            skipped=row["skipped"],
            is_archived=row["is_archived"],
        )

    def to_row(self, entity: WebhookEvent) -> dict[str, Any]:
        row = super().to_row(entity)
        row["status"] = entity.status.value
        return row

    async def get(self, id: uuid.UUID) -> WebhookEvent | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                webhook_events.c.id == bindparam("id", type_=Uuid)
            )
        )
        return await self.get_one_or_none(statement, {"id": id})

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEvent | None:
        statement = self.cached(
            lambda kind: where_readable(
                self.get_base_statement(), webhook_events.c.organization_id, kind
            ).where(webhook_events.c.id == bindparam("id", type_=Uuid)),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def add_new(self, events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
        if not events:
            return []
        # One statement built once, whatever the number of events (SQLAlchemy batches the rows
        # into one INSERT): a statement with the rows written into it is compiled every time.
        result = await self.connection.execute(_INSERT_EVENTS, [self.to_row(e) for e in events])
        inserted = {row.id for row in result}
        return [e for e in events if e.id in inserted]

    async def update(
        self, entity: WebhookEvent, changes: dict[str, Any] | None = None
    ) -> WebhookEvent:
        # The columns that change after creation, in one statement built once.
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        entity.modified_at = self.clock.now()
        row = self.to_row(entity)
        await self.connection.execute(
            _UPDATE_EVENT,
            {"p_id": entity.id, **{f"p_{n}": row[n] for n in _MUTABLE_EVENT_COLUMNS}},
        )
        return entity

    async def endpoints_with_pending(self, endpoint_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not endpoint_ids:
            return set()
        # FOR NO KEY UPDATE: fan-outs of one endpoint take turns, but inserting a delivery (a
        # foreign key to the endpoint) never waits for them. Then a second statement, so that
        # it reads what was committed while this one waited.
        await self.connection.execute(_LOCK_ENDPOINTS, {"p_ids": list(endpoint_ids)})
        rows = await self.connection.execute(
            select(webhook_events.c.endpoint_id)
            .where(
                webhook_events.c.endpoint_id.in_(list(endpoint_ids)),
                webhook_events.c.status == PENDING,
            )
            .distinct()
        )
        return {row.endpoint_id for row in rows}

    async def claim_next(
        self, endpoint_id: uuid.UUID, now: datetime, lease_until: datetime, order_wait: float
    ) -> WebhookEvent | None:
        row = (
            (
                await self.connection.execute(
                    _CLAIM,
                    {
                        "p_endpoint_id": endpoint_id,
                        "p_now": now,
                        "p_lease_until": lease_until,
                        "p_waited_since": now - timedelta(seconds=order_wait),
                    },
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else self.to_entity(row)

    async def dispatch_due(
        self, now: datetime, stale_before: datetime, limit: int
    ) -> list[uuid.UUID]:
        e = webhook_events
        rows = (
            await self.connection.execute(
                select(e.c.id, e.c.endpoint_id)
                .where(
                    e.c.status == PENDING,
                    e.c.next_attempt_at <= now,
                    or_(e.c.locked_until.is_(None), e.c.locked_until < now),
                    or_(e.c.dispatched_at.is_(None), e.c.dispatched_at < stale_before),
                )
                .order_by(e.c.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        await self.connection.execute(
            update(e).where(e.c.id.in_([r.id for r in rows])).values(dispatched_at=now)
        )
        return list(dict.fromkeys(r.endpoint_id for r in rows))

    async def archive_before(self, cutoff: datetime) -> int:
        e = webhook_events
        result = await self.connection.execute(
            update(e)
            .where(
                e.c.created_at < cutoff,
                e.c.is_archived.is_(False),
                e.c.status != PENDING,
            )
            .values(payload=None, is_archived=True, modified_at=self.clock.now())
        )
        return int(result.rowcount)


def _event_columns() -> list[Any]:
    return [c.label(f"ev__{c.name}") for c in webhook_events.c]


class SqlAlchemyWebhookDeliveryRepository(RepositoryBase[WebhookDelivery]):
    table = webhook_deliveries
    entity = WebhookDelivery

    async def create(self, entity: WebhookDelivery) -> WebhookDelivery:
        return await super().create(entity)

    async def list_readable(
        self, subject: AuthSubject, filters: DeliveryFilters, *, pagination: PaginationParams
    ) -> Page[tuple[WebhookDelivery, WebhookEvent]]:
        def build(
            kind: SubjectKind,
            by_endpoint: bool,
            from_start: bool,
            to_end: bool,
            succeeded: bool | None,
            by_http_code: bool,
            by_event_type: bool,
            by_query: bool,
        ) -> Select[Any]:
            d, e = webhook_deliveries, webhook_events
            statement = where_readable(
                select(d, *_event_columns())
                .join(e, e.c.id == d.c.event_id)
                .where(d.c.deleted_at.is_(None)),
                d.c.organization_id,
                kind,
            )
            if by_endpoint:
                statement = statement.where(
                    d.c.endpoint_id.in_(bindparam("endpoint_ids", expanding=True))
                )
            if from_start:
                statement = statement.where(
                    d.c.created_at >= bindparam("start", type_=DateTime(timezone=True))
                )
            if to_end:
                statement = statement.where(
                    d.c.created_at <= bindparam("end", type_=DateTime(timezone=True))
                )
            if succeeded is not None:
                statement = statement.where(d.c.succeeded.is_(succeeded))
            if by_http_code:
                low = bindparam("http_code_low", type_=Integer)
                statement = statement.where(d.c.http_code >= low, d.c.http_code < low + 100)
            if by_event_type:
                statement = statement.where(e.c.type.in_(bindparam("event_types", expanding=True)))
            if by_query:
                statement = statement.where(containing(e.c.payload, d.c.response))
            statement = ordered(statement, [(d.c.created_at, True)], d.c.id)
            filtered = (from_start, to_end, succeeded is not None, by_http_code, by_event_type)
            if by_endpoint or by_query or any(filtered):
                return statement
            return with_total(statement, counted_total(d, kind, by_organization=False))

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.endpoint_ids),
            filters.start is not None,
            filters.end is not None,
            filters.succeeded,
            bool(filters.http_code_class),
            bool(filters.event_types),
            bool(filters.query),
        )
        params = {
            **subject_params(subject),
            "endpoint_ids": list(filters.endpoint_ids or []),
            "start": filters.start,
            "end": filters.end,
            "http_code_low": int(filters.http_code_class[0]) * 100
            if filters.http_code_class
            else None,
            "event_types": list(filters.event_types or []),
            "query": like_pattern(filters.query) if filters.query else None,
        }
        rows, count = await self.page_rows(statement, pagination, params)
        events = SqlAlchemyWebhookEventRepository(self.connection, self.clock)
        items = []
        for row in rows:
            delivery = WebhookDelivery(
                id=row["id"],
                created_at=row["created_at"],
                modified_at=row["modified_at"],
                deleted_at=row["deleted_at"],
                event_id=row["event_id"],
                endpoint_id=row["endpoint_id"],
                organization_id=row["organization_id"],
                succeeded=row["succeeded"],
                http_code=row["http_code"],
                response=row["response"],
                duration_ms=row["duration_ms"],
                attempt=row["attempt"],
            )
            event = events.to_entity({c.name: row[f"ev__{c.name}"] for c in webhook_events.c})
            items.append((delivery, event))
        return Page(items=items, total_count=count, limit=pagination.limit)
