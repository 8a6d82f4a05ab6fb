"""Subscriptions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

subscriptions = Table(
    "subscriptions",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    Column("price_ids", ARRAY(Uuid), nullable=False, server_default=text("'{}'::uuid[]")),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recurring_interval", String(8), nullable=False),
    Column("recurring_interval_count", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("current_period_start", DateTime(timezone=True), nullable=False),
    Column("current_period_end", DateTime(timezone=True), nullable=False),
    Column("trial_start", DateTime(timezone=True), nullable=True),
    Column("trial_end", DateTime(timezone=True), nullable=True),
    Column("cancel_at_period_end", Boolean, nullable=False, server_default=text("false")),
    Column("canceled_at", DateTime(timezone=True), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("discount_id", Uuid, ForeignKey("discounts.id", ondelete="SET NULL"), nullable=True),
    # Checkouts are deleted with their organization only; no key needed to find one.
    Column("checkout_id", Uuid, nullable=True),
    Column("seats", Integer, nullable=True),
    Column("units", Integer, nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("custom_field_data", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("customer_cancellation_reason", String(32), nullable=True),
    Column("customer_cancellation_comment", String(1024), nullable=True),
)
Index("ix_subscriptions_customer_id", subscriptions.c.customer_id)
Index("ix_subscriptions_product_id", subscriptions.c.product_id)
Index(
    "ix_subscriptions_discount_id",
    subscriptions.c.discount_id,
    postgresql_where=text("discount_id IS NOT NULL"),
)
Index(
    "ix_subscriptions_checkout_id",
    subscriptions.c.checkout_id,
    postgresql_where=text("checkout_id IS NOT NULL"),
)
# The pages of each sort order on the table itself (customer, product and discount sort by
# the related row's email or name: those pages are sorted).
list_index("ix_subscriptions_organization_id_started_at", subscriptions, subscriptions.c.started_at)
list_index("ix_subscriptions_organization_id_status", subscriptions, subscriptions.c.status)
list_index(
    "ix_subscriptions_organization_id_current_period_end",
    subscriptions,
    subscriptions.c.current_period_end,
)
list_index("ix_subscriptions_organization_id_ended_at", subscriptions, subscriptions.c.ended_at)
list_index("ix_subscriptions_organization_id_ends_at", subscriptions, subscriptions.c.ends_at)
list_index("ix_subscriptions_organization_id_amount", subscriptions, subscriptions.c.amount)
