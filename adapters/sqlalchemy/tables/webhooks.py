"""Webhook endpoints, the events queued for them and every delivery attempt."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("url", String(2048), nullable=False),
    Column("name", String(256), nullable=True),
    Column("format", String(16), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("events", ARRAY(String(64)), nullable=False),
    Column("api_version", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
)
list_index(
    "ix_webhook_endpoints_organization_id_created_at",
    webhook_endpoints,
    webhook_endpoints.c.created_at,
)

webhook_events = Table(
    "webhook_events",
    metadata,
    *record_columns(),
    Column(
        "endpoint_id",
        Uuid,
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("type", String(64), nullable=False),
    Column("api_version", String(16), nullable=False),
    # The exact body sent (and re-sent); null once archived.
    Column("payload", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("dispatched_at", DateTime(timezone=True), nullable=True),
    Column("last_http_code", Integer, nullable=True),
    Column("succeeded", Boolean, nullable=True),
    Column("skipped", Boolean, nullable=False, server_default=text("false")),
    Column("is_archived", Boolean, nullable=False, server_default=text("false")),
)
# Per endpoint, pending events in order: what claiming the next one walks.
Index(
    "ix_webhook_events_pending_endpoint",
    webhook_events.c.endpoint_id,
    webhook_events.c.created_at,
    webhook_events.c.id,
    postgresql_where=text("status = 'pending'"),
)
# What the sweeper scans: pending events by due time.
Index(
    "ix_webhook_events_pending_due",
    webhook_events.c.next_attempt_at,
    postgresql_where=text("status = 'pending'"),
)
Index("ix_webhook_events_created_at", webhook_events.c.created_at)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    *record_columns(),
    Column("event_id", Uuid, ForeignKey("webhook_events.id", ondelete="CASCADE"), nullable=False),
    Column(
        "endpoint_id",
        Uuid,
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("succeeded", Boolean, nullable=False),
    Column("http_code", Integer, nullable=True),
    # At most 2 KiB of the response body, or why no response came.
    Column("response", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False, server_default="0"),
    Column("attempt", Integer, nullable=False, server_default="1"),
)
# Deliveries are listed newest first, per organization or per endpoint.
list_index(
    "ix_webhook_deliveries_organization_id_created_at",
    webhook_deliveries,
    webhook_deliveries.c.created_at,
)
Index("ix_webhook_deliveries_event_id", webhook_deliveries.c.event_id)
Index(
    "ix_webhook_deliveries_endpoint_id",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.created_at.asc().nulls_first(),
    webhook_deliveries.c.id,
)
