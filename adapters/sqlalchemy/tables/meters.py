"""Meters."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

meters = Table(
    "meters",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(256), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("custom_label", String(64), nullable=True),
    Column("custom_multiplier", Integer, nullable=True),
    # The filter tree ({"conjunction", "clauses": [...]}) and the aggregation ({"func",
    # "property"}) as the wire format writes them: read whole, never queried inside.
    Column("filter", JSONB, nullable=False),
    Column("aggregation", JSONB, nullable=False),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("archived_at", DateTime(timezone=True), nullable=True),
)
# The pages of each sort order a meter list offers, and of the default order (by name) within
# live or archived meters.
list_index("ix_meters_organization_id_name", meters, meters.c.name)
list_index("ix_meters_organization_id_created_at", meters, meters.c.created_at)
for state, condition in (("live", "IS NULL"), ("archived", "IS NOT NULL")):
    where = text(f"archived_at {condition}")
    list_index(
        f"ix_meters_organization_id_name_{state}", meters, meters.c.name, postgresql_where=where
    )
