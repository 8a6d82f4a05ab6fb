"""Customers."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

customers = Table(
    "customers",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("type", String(16), nullable=False),
    Column("email", String(320), nullable=True),
    Column("email_verified", Boolean, nullable=False, server_default=text("false")),
    Column("name", String(256), nullable=True),
    Column("external_id", String(256), nullable=True),
    # {"line1", "line2", "postal_code", "city", "state", "country"}, as the API shows it.
    Column("billing_address", JSONB, nullable=True),
    Column("tax_id", String(64), nullable=True),
    Column("tax_id_format", String(32), nullable=True),
    Column("locale", String(16), nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("first_user_event_at", DateTime(timezone=True), nullable=True),
)
# Emails are unique per organization among live customers, ignoring case; so are external ids
# (compared as sent). Each index also answers the lookup by its key.
Index(
    "uq_customers_organization_id_email_live",
    customers.c.organization_id,
    func.lower(customers.c.email),
    unique=True,
    postgresql_where=text("deleted_at IS NULL AND email IS NOT NULL"),
)
Index(
    "uq_customers_organization_id_external_id_live",
    customers.c.organization_id,
    customers.c.external_id,
    unique=True,
    postgresql_where=text("deleted_at IS NULL AND external_id IS NOT NULL"),
)
# The pages of each sort order a customer list offers (and an export's walk, by creation).
list_index("ix_customers_organization_id_created_at", customers, customers.c.created_at)
list_index("ix_customers_organization_id_email", customers, customers.c.email)
list_index("ix_customers_organization_id_name", customers, customers.c.name)
