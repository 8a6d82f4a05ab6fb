"""Checkouts."""

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

checkouts = Table(
    "checkouts",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    Column("product_price_id", Uuid, nullable=False),
    Column("product_ids", ARRAY(Uuid), nullable=False),
    Column("status", String(16), nullable=False),
    Column("client_secret", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("success_url", String(2048), nullable=True),
    Column("return_url", String(2048), nullable=True),
    Column("embed_origin", String(2048), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("discount_amount", BigInteger, nullable=False),
    Column("net_amount", BigInteger, nullable=False),
    Column("tax_amount", BigInteger, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("seats", Integer, nullable=True),
    Column("units", Integer, nullable=True),
    Column("custom_amount", BigInteger, nullable=True),
    Column("discount_id", Uuid, nullable=True),
    Column("allow_discount_codes", Boolean, nullable=False),
    Column("require_billing_address", Boolean, nullable=False),
    Column("is_business_customer", Boolean, nullable=False),
    Column("customer_id", Uuid, nullable=True),
    Column("external_customer_id", String(256), nullable=True),
    Column("customer_email", String(320), nullable=True),
    Column("customer_name", String(256), nullable=True),
    Column("customer_billing_name", String(256), nullable=True),
    Column("customer_billing_address", JSONB, nullable=True),
    Column("customer_tax_id", String(64), nullable=True),
    Column("customer_ip_address", String(64), nullable=True),
    Column("locale", String(16), nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("customer_metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("custom_field_data", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("allow_trial", Boolean, nullable=False, server_default=text("true")),
    Column("trial_interval", String(8), nullable=True),
    Column("trial_interval_count", Integer, nullable=True),
    Column("trial_end", DateTime(timezone=True), nullable=True),
)
# The client secret is the customer's handle on the checkout.
Index("uq_checkouts_client_secret", checkouts.c.client_secret, unique=True)
# A customer's redemptions of a discount are its confirmed and succeeded checkouts with it.
Index(
    "ix_checkouts_discount_id_customer_id",
    checkouts.c.discount_id,
    checkouts.c.customer_id,
    postgresql_where=text("discount_id IS NOT NULL"),
)
# A product's deletion asks whether a payment for it is under way.
Index(
    "ix_checkouts_confirmed_product_id",
    checkouts.c.product_id,
    postgresql_where=text("status = 'confirmed'"),
)
# The expiry sweep reads open checkouts by expiry.
Index(
    "ix_checkouts_open_expires_at",
    checkouts.c.expires_at,
    postgresql_where=text("status = 'open'"),
)
# The pages of each sort order a checkout list offers.
list_index("ix_checkouts_organization_id_created_at", checkouts, checkouts.c.created_at)
list_index("ix_checkouts_organization_id_expires_at", checkouts, checkouts.c.expires_at)
list_index("ix_checkouts_organization_id_status", checkouts, checkouts.c.status)
