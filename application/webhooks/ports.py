"""What the webhook use cases need from the outside world."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.organizations.ports import TenancyUnitOfWork
from domain.webhook import AttemptOutcome, WebhookDelivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from application.uow import UnitOfWork
    from application.users.ports import UserRepository


class WebhookEndpointRepository(Protocol):
    """Endpoints; lookups ignore soft-deleted ones. Readable by the organization's members and by
    the organization itself; newest first in lists."""

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> WebhookEndpoint | None:
        """`lock` holds the row until the transaction ends (counters updated concurrently)."""
        ...

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEndpoint | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[WebhookEndpoint]: ...

    async def list_subscribed(
        self, organization_id: uuid.UUID, event_type: str
    ) -> Sequence[WebhookEndpoint]:
        """The organization's live, enabled endpoints subscribed to `event_type`."""
        ...

    async def create(self, endpoint: WebhookEndpoint) -> WebhookEndpoint: ...

    async def update(self, endpoint: WebhookEndpoint) -> WebhookEndpoint: ...


class WebhookEventRepository(Protocol):
    async def get(self, id: uuid.UUID) -> WebhookEvent | None: ...

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> WebhookEvent | None: ...

    async def add_new(self, events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
        """Insert the events whose id is not stored yet; return those inserted (idempotent)."""
        ...

    async def update(self, event: WebhookEvent) -> WebhookEvent: ...

    async def endpoints_with_pending(self, endpoint_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `endpoint_ids` that have a pending event, read once those endpoints are
        locked until the transaction ends (as `WebhookEndpointRepository.get(..., lock=True)`
        locks one).

        A delivery job decides that it has nothing more to send under that lock: either the
        caller sees the job's last event still pending (and the job, once the caller commits,
        sees the caller's new events), or it sees that event finished. Two callers take turns,
        so events created after this call are visible to others in the order they were created.
        """
        ...

    async def claim_next(
        self, endpoint_id: uuid.UUID, now: datetime, lease_until: datetime, order_wait: float
    ) -> WebhookEvent | None:
        """Lock the endpoint's next sendable event until `lease_until` and return it.

        Sendable: pending, due (`next_attempt_at` ≤ now) and not held by another worker
        (`locked_until` unset or past). Per endpoint, oldest first (created_at, then id): an
        event is sendable only when no older event of the endpoint is pending, unless it was
        created at least `order_wait` seconds ago. Two concurrent claims never return the same
        event.
        """
        ...

    async def dispatch_due(
        self, now: datetime, stale_before: datetime, limit: int
    ) -> list[uuid.UUID]:
        """Endpoints with a sendable event not queued since `stale_before`; marks those events
        queued at `now`. Concurrent callers do not return the same events."""
        ...

    async def archive_before(self, cutoff: datetime) -> int:
        """Drop the payload of finished events created before `cutoff`; returns how many."""
        ...


@dataclass(frozen=True)
class DeliveryFilters:
    endpoint_ids: Sequence[uuid.UUID] | None = None
    start: datetime | None = None
    end: datetime | None = None
    succeeded: bool | None = None
    # "2xx", "3xx", "4xx" or "5xx".
    http_code_class: str | None = None
    event_types: Sequence[str] | None = None
    # Substring of the event's payload or of the response, ignoring case.
    query: str | None = None


class WebhookDeliveryRepository(Protocol):
    async def create(self, delivery: WebhookDelivery) -> WebhookDelivery: ...

    async def list_readable(
        self, subject: AuthSubject, filters: DeliveryFilters, *, pagination: PaginationParams
    ) -> Page[tuple[WebhookDelivery, WebhookEvent]]:
        """Deliveries of the subject's organizations with their events, newest first."""
        ...


class AddressResolver(Protocol):
    async def resolve(self, host: str) -> list[str]:
        """Every IP address `host` resolves to (an IP literal resolves to itself). Raises
        LookupError when it resolves to nothing."""
        ...


class WebhookSender(Protocol):
    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, address: str | None = None
    ) -> AttemptOutcome:
        """POST `body` once; never raises for network trouble (the outcome says what happened).

        Adapters keep a timeout, follow no redirect, and keep at most 2 KiB of the response.
        With `address`, a new connection goes to that IP address (the one the URL guard just
        checked) instead of resolving the URL's host again; the request still names the host
        (Host header, TLS server name and certificate check).
        """
        ...


class EmailSender(Protocol):
    async def send(self, to: Sequence[str], subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class Rendered:
    """A resource as the REST API shows it, and the organization whose endpoints hear of it."""

    organization_id: uuid.UUID
    data: Mapping[str, Any]


class WebhookCatalogue(Protocol):
    """Event types source modules registered, and how to show each one's resource."""

    @property
    def event_types(self) -> frozenset[str]: ...

    async def render(
        self, uow: UnitOfWork, event_type: str, resource_id: uuid.UUID
    ) -> Rendered | None:
        """The resource in its REST API shape; None when it no longer exists."""
        ...


class WebhookUnitOfWork(TenancyUnitOfWork, Protocol):
    webhook_endpoints: WebhookEndpointRepository
    webhook_events: WebhookEventRepository
    webhook_deliveries: WebhookDeliveryRepository
    # A disabled endpoint's organization owners are told by email.
    users: UserRepository
