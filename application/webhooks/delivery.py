"""Delivery: sending an endpoint's events with retries, the sweeper that queues what is due, the
delivery log and redelivery, archiving, and telling owners about a disabled endpoint."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from application.auth import AuthSubject
from application.kit.errors import ResourceNotFound, ResourceUnavailable
from application.kit.pagination import Page, PaginationParams
from application.ports import Clock
from application.uow import UnitOfWorkFactory
from application.webhooks.guard import UrlGuard
from application.webhooks.ports import (
    DeliveryFilters,
    EmailSender,
    WebhookSender,
    WebhookUnitOfWork,
)
from domain.errors import InvariantViolation
from domain.membership import MemberRole
from domain.webhook import (
    AttemptOutcome,
    EventStatus,
    RetrySchedule,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    excerpt,
    signature_headers,
)

log = logging.getLogger("meridian.webhooks")

WEBHOOK_DELIVER = "webhooks.deliver"
WEBHOOK_ENDPOINT_DISABLED = "webhooks.endpoint_disabled"

# Seconds: 10 s, 1 min, 5 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, 24 h — 11 attempts over ~2.9 days.
DEFAULT_RETRY_DELAYS = (10, 60, 300, 1800, 3600, 10800, 21600, 43200, 86400, 86400)

# An event leased to a worker, with its endpoint as read when it was leased.
Claimed = tuple[WebhookEvent, WebhookEndpoint]


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


class WebhookDeliveries:
    """The delivery use cases and jobs of `WebhookService`."""

    clock: Clock
    email: EmailSender
    policy: DeliveryPolicy

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


def _counts(endpoint: WebhookEndpoint, event: WebhookEvent) -> bool:
    """Whether the event's outcome changes the endpoint's failure count: it failed for good, or
    it succeeded after failures. (Most attempts change nothing, and take no lock.)"""
    if event.status is EventStatus.succeeded:
        return endpoint.consecutive_failures > 0
    return event.status is EventStatus.failed


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

    async def deliver_each(
        self, endpoint_ids: Sequence[uuid.UUID], claimed: Mapping[uuid.UUID, Claimed] | None = None
    ) -> int:
        """`deliver` to each endpoint at once (one slow receiver does not hold the others up),
        starting with the event `claimed` holds for it if any; returns how many attempts ran.
        Raises the first error once all are done."""
        first = claimed or {}
        results = await asyncio.gather(
            *(self.deliver(endpoint_id, first.get(endpoint_id)) for endpoint_id in endpoint_ids),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(r for r in results if isinstance(r, int))

    async def deliver(self, endpoint_id: uuid.UUID, claimed: Claimed | None = None) -> int:
        """Send the endpoint's sendable events, oldest first; returns how many attempts ran.
        `claimed`: the first one, already leased to this job (by a fan-out).

        Recording an attempt and claiming the next event share one transaction.
        """
        attempts = 0
        deadline = time.monotonic() + self.policy.time_budget
        if claimed is None:
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
                    if claimed is None:
                        # Nothing left, unless a fan-out that saw this endpoint busy, and so
                        # left its new event to this job, is about to commit. It locks the
                        # endpoint before it looks (see endpoints_with_pending): look again
                        # under that lock.
                        current = await uow.webhook_endpoints.get(endpoint_id, lock=True)
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
    ) -> Claimed | None:
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
        """One attempt's outcome. Whatever goes wrong is a failed attempt, recorded and retried
        like any other (and counted toward disabling the endpoint): an error escaping here
        would leave the event unrecorded, picked up again by the sweeper forever."""
        try:
            return await self._send(event, endpoint)
        except Exception as error:
            # The details stay in the log: the merchant reads the delivery's response.
            log.exception("webhook event %s could not be sent", event.id)
            return AttemptOutcome(
                http_code=None,
                response=f"Not sent: an error occurred while sending ({type(error).__name__}).",
            )

    async def _send(self, event: WebhookEvent, endpoint: WebhookEndpoint) -> AttemptOutcome:
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
        """Store one attempt's outcome; returns the endpoint as it now is (None if gone, or
        not read)."""
        event = await uow.webhook_events.get(event_id)
        if event is None or not event.is_pending:
            return None
        endpoint = await uow.webhook_endpoints.get(event.endpoint_id)
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
        if endpoint is not None and _counts(endpoint, event):
            # Counted under the endpoint's lock: its counter is shared by its workers.
            endpoint = await uow.webhook_endpoints.get(event.endpoint_id, lock=True)
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
