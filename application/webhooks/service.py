"""Webhook use cases: endpoints, fan-out of domain events, delivery with retries.

Any member of an organization (or its own token) holding `webhooks:write` manages its endpoints,
as with the rest of the catalogue.

The path of an event:

1. A use case enqueues its job (`product.updated`, product_id=…, organization_id=…) through the
   unit of work: an outbox row in the same transaction as the change.
2. The job's task calls `WebhookService.fan_out`: if the organization has endpoints subscribed
   to the type, the catalogue renders the resource as the REST API shows it, and one webhook
   event per enabled endpoint subscribed to the type is stored,
   with a `webhooks.deliver` job per endpoint, in one transaction. Event ids derive from the job
   id and the endpoint, so a job run twice stores nothing new.
3. `WebhookDeliverer.deliver` sends the endpoint's sendable events oldest first (see
   `WebhookEventRepository.claim_next`) and records each attempt. Everything it needs to resume
   is in the database: a killed worker leaves a lease that expires, and the sweeper
   (`dispatch_due`, periodic) queues every endpoint with due events again.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from application.auth import AuthSubject
from application.kit.errors import (
    ResourceNotFound,
    ResourceUnavailable,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.pagination import Page, PaginationParams
from application.kit.tenancy import target_organization
from application.ports import Clock
from application.uow import UnitOfWorkFactory
from application.webhooks.commands import WebhookEndpointCreate, WebhookEndpointUpdate
from application.webhooks.ports import (
    AddressResolver,
    DeliveryFilters,
    EmailSender,
    WebhookCatalogue,
    WebhookSender,
    WebhookUnitOfWork,
)
from domain.errors import InvariantViolation
from domain.membership import MemberRole
from domain.webhook import (
    POLAR_EVENT_TYPES,
    AttemptOutcome,
    EventStatus,
    RetrySchedule,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookFormat,
    address_refusal,
    excerpt,
    generate_secret,
    signature_headers,
    validate_events,
)

log = logging.getLogger("meridian.webhooks")

WEBHOOK_DELIVER = "webhooks.deliver"
WEBHOOK_ENDPOINT_DISABLED = "webhooks.endpoint_disabled"

# Seconds: 10 s, 1 min, 5 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, 24 h — 11 attempts over ~2.9 days.
DEFAULT_RETRY_DELAYS = (10, 60, 300, 1800, 3600, 10800, 21600, 43200, 86400, 86400)

_EVENT_NAMESPACE = uuid.UUID("6d1d0a4e-8f43-4c52-9a55-2f0f3d8c7b11")


@dataclass(frozen=True)
class DeliveryPolicy:
    schedule: RetrySchedule = field(
        default_factory=lambda: RetrySchedule(tuple(float(d) for d in DEFAULT_RETRY_DELAYS))
    )
    # Seconds an attempt may take (the sender's timeout).
    timeout: float = 10.0
    # Seconds a newer event waits for an older pending one of the same endpoint.
    order_wait: float = 60.0
    # Consecutive failed events that disable an endpoint.
    disable_after: int = 10
    archive_after: timedelta = timedelta(days=90)
    # Events (and seconds) one delivery job spends at most before it leaves the rest to the
    # next job (the sweeper queues one).
    batch: int = 100
    time_budget: float = 60.0

    @property
    def lease(self) -> timedelta:
        """How long a worker holds an event it is sending: past it, the event is up for grabs."""
        return timedelta(seconds=2 * self.timeout + 10)


class UrlGuard:
    """Refuses webhook targets that could reach inside the network (SSRF).

    Checked when an endpoint is saved and again before every attempt, because DNS can change.
    """

    def __init__(
        self, resolver: AddressResolver, *, require_https: bool, allow_loopback: bool
    ) -> None:
        self.resolver = resolver
        self.require_https = require_https
        self.allow_loopback = allow_loopback

    async def refusal(self, url: str) -> str | None:
        """Why `url` is refused, or None."""
        refused, _ = await self.vet(url)
        return refused

    async def vet(self, url: str) -> tuple[str | None, list[str]]:
        """Why `url` is refused (None if it is not), and the addresses its host resolved to."""
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            return "Not a valid URL.", []
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return "The URL must start with https://.", []
        if scheme == "http" and self.require_https:
            return "Only https URLs are accepted.", []
        host = parts.hostname
        if not host:
            return "The URL needs a host.", []
        if parts.username is not None or parts.password is not None:
            return "Credentials in the URL are not allowed.", []
        if port == 0:
            return "Not a valid port.", []
        try:
            addresses = await self.resolver.resolve(host)
        except (LookupError, OSError):
            return f"The host {host!r} does not resolve.", []
        if not addresses:
            return f"The host {host!r} does not resolve.", []
        for address in addresses:
            reason = address_refusal(address, allow_loopback=self.allow_loopback)
            if reason is not None:
                return f"{host} resolves to {address}: {reason}", []
        return None, list(addresses)


def _envelope(event_type: str, at: str, api_version: str, data: Any) -> dict[str, Any]:
    return {"type": event_type, "timestamp": at, "api_version": api_version, "data": data}


def _summary(event_type: str, data: Any) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    ident = data.get("id") if isinstance(data, dict) else None
    label = f"{name} ({ident})" if name else str(ident)
    return f"{event_type}: {label}"


def render_body(endpoint: WebhookEndpoint, event_type: str, at: str, data: Any) -> str:
    """The body sent to an endpoint, in its format. `raw` is Polar's envelope; Discord and
    Slack get a one-line message their incoming webhooks accept."""
    if endpoint.format is WebhookFormat.discord:
        body: dict[str, Any] = {"content": _summary(event_type, data)}
    elif endpoint.format is WebhookFormat.slack:
        body = {"text": _summary(event_type, data)}
    else:
        body = _envelope(event_type, at, endpoint.api_version, data)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def event_id_for(source_id: str, endpoint_id: uuid.UUID) -> uuid.UUID:
    """The same id for the same job and endpoint (a job run twice stores one event). Derived
    by name-based hashing, formatted as a version-4 UUID like every other id of the API."""
    digest = uuid.uuid5(_EVENT_NAMESPACE, f"{source_id}:{endpoint_id}")
    return uuid.UUID(bytes=digest.bytes, version=4)


class WebhookService:
    def __init__(
        self,
        clock: Clock,
        catalogue: WebhookCatalogue,
        guard: UrlGuard,
        email: EmailSender,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.catalogue = catalogue
        self.guard = guard
        self.email = email
        self.policy = policy or DeliveryPolicy()

    # --- endpoints ------------------------------------------------------------------------------

    @property
    def known_event_types(self) -> frozenset[str]:
        return frozenset(POLAR_EVENT_TYPES) | self.catalogue.event_types

    async def list_endpoints(
        self,
        uow: WebhookUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[WebhookEndpoint]:
        return await uow.webhook_endpoints.list_readable(
            subject, organization_ids=organization_ids, pagination=pagination
        )

    async def get_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> WebhookEndpoint:
        endpoint = await uow.webhook_endpoints.get_readable(subject, id)
        if endpoint is None:
            raise ResourceNotFound("Webhook endpoint not found.")
        return endpoint

    async def create_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, command: WebhookEndpointCreate
    ) -> WebhookEndpoint:
        organization = await target_organization(uow, subject, command.organization_id)
        events = self._events(command.events)
        await self._check_url(command.url)
        endpoint = WebhookEndpoint(
            created_at=self.clock.now(),
            organization_id=organization.id,
            url=command.url,
            name=command.name or None,
            api_version=command.api_version,
            format=command.format,
            secret=generate_secret(),
            events=events,
        )
        await uow.webhook_endpoints.create(endpoint)
        return endpoint

    async def update_endpoint(
        self,
        uow: WebhookUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: WebhookEndpointUpdate,
    ) -> WebhookEndpoint:
        endpoint = await self.get_endpoint(uow, subject, id)
        if command.events is not None:
            endpoint.events = self._events(command.events)
        if command.url is not None:
            await self._check_url(command.url)
            endpoint.url = command.url
        if "name" in command.model_fields_set:
            endpoint.name = command.name or None
        if command.api_version is not None:
            endpoint.api_version = command.api_version
        if command.format is not None:
            endpoint.format = command.format
        if command.enabled is True and not endpoint.enabled:
            endpoint.enable()
        elif command.enabled is False:
            endpoint.enabled = False
        return await uow.webhook_endpoints.update(endpoint)

    async def rotate_secret(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> WebhookEndpoint:
        endpoint = await self.get_endpoint(uow, subject, id)
        endpoint.rotate_secret()
        return await uow.webhook_endpoints.update(endpoint)

    async def delete_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> None:
        """Soft-delete; its pending events are skipped when their turn comes."""
        endpoint = await self.get_endpoint(uow, subject, id)
        endpoint.soft_delete(self.clock.now())
        await uow.webhook_endpoints.update(endpoint)

    def _events(self, events: Sequence[str]) -> list[str]:
        with invariants_as_validation():
            valid = validate_events(events, self.known_event_types)
        return valid

    async def _check_url(self, url: str) -> None:
        reason = await self.guard.refusal(url)
        if reason is not None:
            raise ValidationFailed.single(("body", "url"), reason, url)

    # --- deliveries -----------------------------------------------------------------------------

    async def list_deliveries(
        self,
        uow: WebhookUnitOfWork,
        subject: AuthSubject,
        filters: DeliveryFilters,
        *,
        pagination: PaginationParams,
    ) -> Page[tuple[WebhookDelivery, WebhookEvent]]:
        return await uow.webhook_deliveries.list_readable(subject, filters, pagination=pagination)

    async def redeliver(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, event_id: uuid.UUID
    ) -> None:
        """Send the event again now (202: the attempt happens in the worker)."""
        event = await uow.webhook_events.get_readable(subject, event_id)
        if event is None:
            raise ResourceNotFound("Webhook event not found.")
        try:
            event.redeliver(self.clock.now())
        except InvariantViolation as error:
            raise ResourceUnavailable(error.message) from error
        await uow.webhook_events.update(event)
        uow.enqueue(WEBHOOK_DELIVER, endpoint_id=str(event.endpoint_id))

    # --- jobs -----------------------------------------------------------------------------------

    async def fan_out(
        self,
        uow: WebhookUnitOfWork,
        event_type: str,
        resource_id: uuid.UUID,
        source_id: str | None,
        organization_id: uuid.UUID | None = None,
    ) -> int:
        """One webhook event per enabled endpoint subscribed to `event_type`; returns how many
        were stored now (0 for a job that already ran).

        With `organization_id` (the jobs use cases enqueue carry it), the subscribed endpoints
        are looked up first, and the resource is only loaded and rendered when there are some:
        most writes of an organization without webhooks then cost the job one statement.
        """
        if organization_id is not None:
            subscribed = await uow.webhook_endpoints.list_subscribed(organization_id, event_type)
            if not subscribed:
                return 0
        rendered = await self.catalogue.render(uow, event_type, resource_id)
        if rendered is None:
            log.info("%s for %s: the resource no longer exists", event_type, resource_id)
            return 0
        if organization_id is None or rendered.organization_id != organization_id:
            # An older job without the organization (or, defensively, a resource that moved).
            subscribed = await uow.webhook_endpoints.list_subscribed(
                rendered.organization_id, event_type
            )
        endpoints = subscribed
        if not endpoints:
            return 0
        now = self.clock.now()
        source = source_id or str(uuid.uuid4())
        # An endpoint with pending events already has a job sending them (it takes the new one
        # in turn) or a retry coming; a job each would only compete for the same events.
        # Those left unqueued are the sweeper's if nothing else picks them up.
        busy = await uow.webhook_events.endpoints_with_pending([e.id for e in endpoints])
        events = [
            WebhookEvent(
                id=event_id_for(source, endpoint.id),
                created_at=now,
                endpoint_id=endpoint.id,
                organization_id=endpoint.organization_id,
                type=event_type,
                api_version=endpoint.api_version,
                payload=render_body(endpoint, event_type, now.isoformat(), rendered.data),
                next_attempt_at=now,
                dispatched_at=None if endpoint.id in busy else now,
            )
            for endpoint in endpoints
        ]
        created = await uow.webhook_events.add_new(events)
        for endpoint_id in dict.fromkeys(e.endpoint_id for e in created):
            if endpoint_id not in busy:
                uow.enqueue(WEBHOOK_DELIVER, endpoint_id=str(endpoint_id))
        return len(created)

    async def dispatch_due(self, uow: WebhookUnitOfWork, limit: int = 500) -> int:
        """Sweeper: queue a delivery job for every endpoint with due events that no job is
        handling (retries that came due, work a killed worker dropped)."""
        now = self.clock.now()
        endpoint_ids = await uow.webhook_events.dispatch_due(now, now - self.policy.lease, limit)
        for endpoint_id in endpoint_ids:
            uow.enqueue(WEBHOOK_DELIVER, endpoint_id=str(endpoint_id))
        return len(endpoint_ids)

    async def archive(self, uow: WebhookUnitOfWork) -> int:
        """Drop payloads older than the archive age (90 days by default)."""
        return await uow.webhook_events.archive_before(self.clock.now() - self.policy.archive_after)

    async def notify_disabled(self, uow: WebhookUnitOfWork, endpoint_id: uuid.UUID) -> list[str]:
        """Tell the organization's owners that an endpoint was disabled; returns who was told."""
        endpoint = await uow.webhook_endpoints.get(endpoint_id)
        if endpoint is None or endpoint.enabled:
            return []
        recipients = []
        for membership in await uow.memberships.list_for_organization(endpoint.organization_id):
            if membership.role is MemberRole.owner:
                user = await uow.users.get(membership.user_id)
                if user is not None:
                    recipients.append(user.email)
        if recipients:
            await self.email.send(
                recipients,
                "A webhook endpoint was disabled",
                f"Meridian stopped sending events to {endpoint.url} (endpoint {endpoint.id}) "
                f"after {endpoint.consecutive_failures} failed events in a row, or because it "
                "answered 410 Gone. Fix the receiver, then enable the endpoint again.",
            )
        return recipients


class WebhookDeliverer:
    """Sends an endpoint's events and records every attempt.

    Unlike a use case it opens its own units of work: an HTTP call must not hold a database
    transaction open, so claiming an event, sending it and recording the outcome are three
    steps, the first and last each committed.
    """

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        clock: Clock,
        sender: WebhookSender,
        guard: UrlGuard,
        policy: DeliveryPolicy | None = None,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self.uows = uows
        self.clock = clock
        self.sender = sender
        self.guard = guard
        self.policy = policy or DeliveryPolicy()
        self.spread = spread

    async def deliver(self, endpoint_id: uuid.UUID) -> int:
        """Send the endpoint's sendable events, oldest first; returns how many attempts ran.

        Recording an attempt and claiming the next event share one transaction.
        """
        attempts = 0
        deadline = time.monotonic() + self.policy.time_budget
        async with self.uows.write() as uow:
            claimed = await self._claim(uow, endpoint_id, None)
            await uow.commit()
        while claimed is not None:
            event, endpoint = claimed
            outcome = await self._attempt(event, endpoint)
            attempts += 1
            async with self.uows.write() as uow:
                current = await self._record(uow, event.id, outcome)
                if attempts < self.policy.batch and time.monotonic() < deadline:
                    claimed = await self._claim(uow, endpoint_id, current)
                else:
                    # Out of budget, maybe not of work: a fresh job carries on, so that one
                    # busy endpoint never holds a worker slot for long.
                    uow.enqueue(WEBHOOK_DELIVER, endpoint_id=str(endpoint_id))
                    claimed = None
                await uow.commit()
        return attempts

    async def _claim(
        self, uow: WebhookUnitOfWork, endpoint_id: uuid.UUID, endpoint: WebhookEndpoint | None
    ) -> tuple[WebhookEvent, WebhookEndpoint] | None:
        """The next event to send and its endpoint; events of a disabled or deleted endpoint
        are skipped. `endpoint`, when given, was read in this transaction already."""
        while True:
            now = self.clock.now()
            event = await uow.webhook_events.claim_next(
                endpoint_id, now, now + self.policy.lease, self.policy.order_wait
            )
            if event is None:
                return None
            if endpoint is None:
                endpoint = await uow.webhook_endpoints.get(endpoint_id)
            if endpoint is not None and endpoint.enabled:
                return event, endpoint
            event.skip()
            await uow.webhook_events.update(event)

    async def _attempt(self, event: WebhookEvent, endpoint: WebhookEndpoint) -> AttemptOutcome:
        # The connection goes to an address checked here: resolving the host again when
        # connecting would let a DNS answer that changed in between reach inside the network.
        refusal, addresses = await self.guard.vet(endpoint.url)
        if refusal is not None:
            return AttemptOutcome(http_code=None, response=f"Not sent: {refusal}")
        assert event.payload is not None
        body = event.payload.encode()
        timestamp = int(self.clock.now().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "Meridian-Webhooks/1.0",
            **signature_headers(endpoint.secret, str(event.id), timestamp, body),
        }
        started = time.monotonic()
        outcome = await self.sender.send(endpoint.url, headers, body, address=addresses[0])
        if not outcome.duration_ms:
            duration = int((time.monotonic() - started) * 1000)
            outcome = AttemptOutcome(
                outcome.http_code, outcome.response, outcome.retry_after, duration
            )
        return outcome

    async def _record(
        self, uow: WebhookUnitOfWork, event_id: uuid.UUID, outcome: AttemptOutcome
    ) -> WebhookEndpoint | None:
        """Store one attempt's outcome; returns the endpoint as it now is (None if gone)."""
        event = await uow.webhook_events.get(event_id)
        if event is None or not event.is_pending:
            return None
        endpoint = await uow.webhook_endpoints.get(event.endpoint_id, lock=True)
        now = self.clock.now()
        event.record(outcome, now, self.policy.schedule, self.spread())
        await uow.webhook_events.update(event)
        await uow.webhook_deliveries.create(
            WebhookDelivery(
                created_at=now,
                event_id=event.id,
                endpoint_id=event.endpoint_id,
                organization_id=event.organization_id,
                succeeded=outcome.succeeded,
                http_code=outcome.http_code,
                response=excerpt(outcome.response),
                duration_ms=outcome.duration_ms,
                attempt=event.attempts,
            )
        )
        if endpoint is not None:
            await self._count(uow, endpoint, event, outcome)
        if not outcome.succeeded:
            log.info(
                "webhook event %s attempt %d to endpoint %s failed (%s); %s",
                event.id,
                event.attempts,
                event.endpoint_id,
                outcome.http_code or (outcome.response or "")[:200],
                f"next at {event.next_attempt_at.isoformat()}"
                if event.next_attempt_at
                else event.status.value,
            )
        return endpoint

    async def _count(
        self,
        uow: WebhookUnitOfWork,
        endpoint: WebhookEndpoint,
        event: WebhookEvent,
        outcome: AttemptOutcome,
    ) -> None:
        before = (endpoint.enabled, endpoint.consecutive_failures)
        disabled = False
        if event.status is EventStatus.succeeded:
            endpoint.event_succeeded()
        elif event.status is EventStatus.failed:
            disabled = endpoint.event_failed(self.policy.disable_after)
            if outcome.gone:
                disabled = endpoint.gone() or disabled
        if (endpoint.enabled, endpoint.consecutive_failures) != before:
            await uow.webhook_endpoints.update(endpoint)
        if disabled:
            log.warning("webhook endpoint %s disabled", endpoint.id)
            uow.enqueue(WEBHOOK_ENDPOINT_DISABLED, endpoint_id=str(endpoint.id))
