"""Wire format of webhooks (Polar's `WebhookEndpoint`, `WebhookDelivery`, `WebhookEvent`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import UUID4

from domain.webhook import WebhookDelivery, WebhookEndpoint, WebhookEvent
from entrypoints.http.kit.schemas import Schema


class WebhookEndpointSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    url: str
    name: str | None
    api_version: str
    format: str
    secret: str
    organization_id: UUID4
    events: list[str]
    enabled: bool
    # Meridian always signs as the Standard Webhooks spec says (key = the decoded secret).
    uses_standard_webhook_signature: bool = True


class WebhookEventSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    last_http_code: int | None
    succeeded: bool | None
    skipped: bool
    api_version: str
    payload: str | None
    type: str
    is_archived: bool


class WebhookDeliverySchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    succeeded: bool
    http_code: int | None
    response: str | None
    webhook_event: WebhookEventSchema


def endpoint_schema(e: WebhookEndpoint) -> WebhookEndpointSchema:
    return WebhookEndpointSchema(
        created_at=e.created_at,
        modified_at=e.modified_at,
        id=e.id,
        url=e.url,
        name=e.name,
        api_version=e.api_version,
        format=e.format.value,
        secret=e.secret,
        organization_id=e.organization_id,
        events=list(e.events),
        enabled=e.enabled,
    )


def event_schema(e: WebhookEvent) -> WebhookEventSchema:
    return WebhookEventSchema(
        created_at=e.created_at,
        modified_at=e.modified_at,
        id=e.id,
        last_http_code=e.last_http_code,
        succeeded=e.succeeded,
        skipped=e.skipped,
        api_version=e.api_version,
        payload=e.payload,
        type=e.type,
        is_archived=e.is_archived,
    )


def delivery_schema(d: WebhookDelivery, e: WebhookEvent) -> WebhookDeliverySchema:
    return WebhookDeliverySchema(
        created_at=d.created_at,
        modified_at=d.modified_at,
        id=d.id,
        succeeded=d.succeeded,
        http_code=d.http_code,
        response=d.response,
        webhook_event=event_schema(e),
    )
