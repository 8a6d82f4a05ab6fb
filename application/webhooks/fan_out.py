"""Fan-out: a domain event becomes one stored webhook event per subscribed endpoint, with the
body each endpoint is sent."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from application.ports import Clock
from application.webhooks.delivery import Claimed, DeliveryPolicy
from application.webhooks.ports import WebhookCatalogue, WebhookUnitOfWork
from domain.webhook import WebhookEndpoint, WebhookEvent, WebhookFormat

log = logging.getLogger("meridian.webhooks")

_EVENT_NAMESPACE = uuid.UUID("6d1d0a4e-8f43-4c52-9a55-2f0f3d8c7b11")


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


@dataclass(frozen=True)
class FannedOut:
    """What a fan-out stored: how many events, and the endpoints that had nothing pending.

    Nobody is sending to an `idle` endpoint yet: whoever ran the fan-out starts its delivery
    once the fan-out is committed (`WebhookDeliverer.deliver_each`), which saves queuing a
    job. A fan-out asked to `claim` leases it those endpoints' new events (`claimed`), which
    saves claiming them again. Should it never send them, the sweeper takes those events once
    a lease has passed.
    """

    created: int = 0
    idle: tuple[uuid.UUID, ...] = ()
    claimed: Mapping[uuid.UUID, Claimed] = field(default_factory=dict)


class WebhookFanOut:
    """The fan-out job of `WebhookService`."""

    clock: Clock
    catalogue: WebhookCatalogue
    policy: DeliveryPolicy

    async def fan_out(
        self,
        uow: WebhookUnitOfWork,
        event_type: str,
        resource_id: uuid.UUID,
        source_id: str | None,
        organization_id: uuid.UUID | None = None,
        *,
        claim: bool = False,
    ) -> FannedOut:
        """One webhook event per enabled endpoint subscribed to `event_type`; returns how many
        were stored now (0 for a job that already ran) and which endpoints to start sending to.

        With `organization_id` (the jobs use cases enqueue carry it), the subscribed endpoints
        are looked up first, and the resource is only loaded and rendered when there are some:
        most writes of an organization without webhooks then cost the job one statement.
        """
        if organization_id is not None:
            subscribed = await uow.webhook_endpoints.list_subscribed(organization_id, event_type)
            if not subscribed:
                return FannedOut()
        rendered = await self.catalogue.render(uow, event_type, resource_id)
        if rendered is None:
            log.info("%s for %s: the resource no longer exists", event_type, resource_id)
            return FannedOut()
        if organization_id is None or rendered.organization_id != organization_id:
            # An older job without the organization (or, defensively, a resource that moved).
            subscribed = await uow.webhook_endpoints.list_subscribed(
                rendered.organization_id, event_type
            )
        endpoints = subscribed
        if not endpoints:
            return FannedOut()
        source = source_id or str(uuid.uuid4())
        # An endpoint with pending events already has a job sending them (it takes the new one
        # in turn, see endpoints_with_pending) or a retry coming (then the sweeper queues it).
        busy = await uow.webhook_events.endpoints_with_pending([e.id for e in endpoints])
        # Read once the endpoints are locked: an endpoint's events then become visible in the
        # order of their creation times, which is the order they are sent in.
        now = self.clock.now()
        # An idle endpoint's new event is the next one it is sent: leased to the caller now,
        # the same as a claim (see claim_next) but without one.
        lease = now + self.policy.lease if claim else None
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
                locked_until=None if endpoint.id in busy else lease,
            )
            for endpoint in endpoints
        ]
        created = await uow.webhook_events.add_new(events)
        by_id = {endpoint.id: endpoint for endpoint in endpoints}
        idle = {e.endpoint_id: e for e in created if e.endpoint_id not in busy}
        claimed = {id: (event, by_id[id]) for id, event in idle.items()} if claim else {}
        return FannedOut(len(created), tuple(idle), claimed)
