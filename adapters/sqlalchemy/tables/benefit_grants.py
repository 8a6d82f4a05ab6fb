"""Benefit grants, and the license keys the license-keys benefit issues."""

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
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

benefit_grants = Table(
    "benefit_grants",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("benefit_id", Uuid, ForeignKey("benefits.id", ondelete="CASCADE"), nullable=False),
    # Orders and subscriptions come with their modules; their foreign keys with them.
    Column("order_id", Uuid, nullable=True),
    Column("subscription_id", Uuid, nullable=True),
    Column("granted_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("properties", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("error", JSONB, nullable=True),
    # A revoke that ran before any grant of its scope (domain/benefit_grant.py): not listed.
    Column("is_tombstone", Boolean, nullable=False, server_default=text("false")),
)
# One grant per scope, a missing order or subscription counting as one value (PostgreSQL 15's
# NULLS NOT DISTINCT): a grant job claims its row with INSERT … ON CONFLICT DO NOTHING.
Index(
    "uq_benefit_grants_scope",
    benefit_grants.c.customer_id,
    benefit_grants.c.benefit_id,
    benefit_grants.c.order_id,
    benefit_grants.c.subscription_id,
    unique=True,
    postgresql_nulls_not_distinct=True,
)
Index("ix_benefit_grants_benefit_id", benefit_grants.c.benefit_id)
list_index(
    "ix_benefit_grants_organization_id_created_at", benefit_grants, benefit_grants.c.created_at
)

license_keys = Table(
    "license_keys",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("benefit_id", Uuid, ForeignKey("benefits.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("usage", Integer, nullable=False, server_default=text("0")),
    Column("limit_usage", Integer, nullable=True),
    Column("limit_activations", Integer, nullable=True),
    Column("validations", Integer, nullable=False, server_default=text("0")),
    Column("last_validated_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)
# Keys are unique; validation finds a key by (organization, key).
Index("uq_license_keys_key", license_keys.c.key, unique=True)
Index("ix_license_keys_organization_id_key", license_keys.c.organization_id, license_keys.c.key)
list_index("ix_license_keys_organization_id_created_at", license_keys, license_keys.c.created_at)

license_key_activations = Table(
    "license_key_activations",
    metadata,
    *record_columns(),
    Column(
        "license_key_id", Uuid, ForeignKey("license_keys.id", ondelete="CASCADE"), nullable=False
    ),
    Column("label", String(256), nullable=False),
    Column("meta", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("conditions", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
Index(
    "ix_license_key_activations_license_key_id_live",
    license_key_activations.c.license_key_id,
    postgresql_where=text("deleted_at IS NULL"),
)
