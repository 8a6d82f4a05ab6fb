"""Webhook endpoints, events and deliveries in memory, honouring the SQLAlchemy contracts."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.memory.store import MemoryRepository, newest_first
from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.webhooks.ports import DeliveryFilters
from domain.webhook import EventStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


class InMemoryWebhookEndpointRepository(MemoryRepository[WebhookEndpoint]):
    table_name = "webhook_endpoints"

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> WebhookEndpoint | None:
        return await self.get_by_id(id)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEndpoint | None:
        return self.find(lambda e: e.id == id and self.readable(subject, e.organization_id))

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[WebhookEndpoint]:
        items = newest_first(
            (
                e
                for e in self.live()
                if self.readable(subject, e.organization_id)
                and (not organization_ids or e.organization_id in organization_ids)
            ),
            lambda e: e,
        )
        window = items[pagination.offset : pagination.offset + pagination.limit]
        return Page([copy.deepcopy(e) for e in window], len(items), pagination.limit)

    async def list_subscribed(
        self, organization_id: uuid.UUID, event_type: str
    ) -> Sequence[WebhookEndpoint]:
        found = [
            e
            for e in self.live()
            if e.organization_id == organization_id and e.subscribes_to(event_type)
        ]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: (e.created_at, e.id.int))]


def _order(event: WebhookEvent) -> tuple[datetime, int]:
    return (event.created_at, event.id.int)


class InMemoryWebhookEventRepository(MemoryRepository[WebhookEvent]):
    table_name = "webhook_events"

    async def get(self, id: uuid.UUID) -> WebhookEvent | None:
        return await self.get_by_id(id)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEvent | None:
        return self.find(lambda e: e.id == id and self.readable(subject, e.organization_id))

    async def add_new(self, events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
        created = []
        for event in events:
            if event.id not in self.rows:
                await self.create(event)
                created.append(event)
        return created

    async def endpoints_with_pending(self, endpoint_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {
            e.endpoint_id
            for e in self.rows.values()
            if e.endpoint_id in endpoint_ids and e.status is EventStatus.pending
        }

    def _sendable(self, event: WebhookEvent, now: datetime) -> bool:
        return (
            event.status is EventStatus.pending
            and event.next_attempt_at is not None
            and event.next_attempt_at <= now
            and (event.locked_until is None or event.locked_until < now)
        )

    async def claim_next(
        self, endpoint_id: uuid.UUID, now: datetime, lease_until: datetime, order_wait: float
    ) -> WebhookEvent | None:
        pending = sorted(
            (
                e
                for e in self.rows.values()
                if e.endpoint_id == endpoint_id and e.status is EventStatus.pending
            ),
            key=_order,
        )
        for index, event in enumerate(pending):
            if not self._sendable(event, now):
                continue
            waited = event.created_at <= now - timedelta(seconds=order_wait)
            if index == 0 or waited:
                event.locked_until = lease_until
                return copy.deepcopy(event)
        return None

    async def dispatch_due(
        self, now: datetime, stale_before: datetime, limit: int
    ) -> list[uuid.UUID]:
        due = sorted(
            (
                e
                for e in self.rows.values()
                if self._sendable(e, now)
                and (e.dispatched_at is None or e.dispatched_at < stale_before)
            ),
            key=lambda e: e.next_attempt_at or now,
        )[:limit]
        for event in due:
            event.dispatched_at = now
        return list(dict.fromkeys(e.endpoint_id for e in due))

    async def archive_before(self, cutoff: datetime) -> int:
        count = 0
        for event in self.rows.values():
            if (
                event.created_at < cutoff
                and not event.is_archived
                and event.status is not EventStatus.pending
            ):
                event.archive()
                event.modified_at = self.clock.now()
                count += 1
        return count


class InMemoryWebhookDeliveryRepository(MemoryRepository[WebhookDelivery]):
    table_name = "webhook_deliveries"

    def _matches(self, d: WebhookDelivery, e: WebhookEvent, f: DeliveryFilters) -> bool:
        if f.endpoint_ids and d.endpoint_id not in f.endpoint_ids:
            return False
        if f.start is not None and d.created_at < f.start:
            return False
        if f.end is not None and d.created_at > f.end:
            return False
        if f.succeeded is not None and d.succeeded is not f.succeeded:
            return False
        if f.http_code_class:
            low = int(f.http_code_class[0]) * 100
            if d.http_code is None or not low <= d.http_code < low + 100:
                return False
        if f.event_types and e.type not in f.event_types:
            return False
        if f.query:
            needle = f.query.lower()
            if needle not in (e.payload or "").lower() and needle not in (d.response or "").lower():
                return False
        return True

    async def list_readable(
        self, subject: AuthSubject, filters: DeliveryFilters, *, pagination: PaginationParams
    ) -> Page[tuple[WebhookDelivery, WebhookEvent]]:
        events = self.view.table("webhook_events")
        items = [
            (d, events[d.event_id])
            for d in self.live()
            if self.readable(subject, d.organization_id)
            and self._matches(d, events[d.event_id], filters)
        ]
        items = newest_first(items, lambda pair: pair[0])
        window = items[pagination.offset : pagination.offset + pagination.limit]
        return Page(
            [(copy.deepcopy(d), copy.deepcopy(e)) for d, e in window], len(items), pagination.limit
        )
