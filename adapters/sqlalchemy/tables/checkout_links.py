"""Checkout links and their products (in order)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

checkout_links = Table(
    "checkout_links",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("client_secret", String(128), nullable=False),
    Column("label", String(256), nullable=True),
    Column("discount_id", Uuid, nullable=True),
    Column("allow_discount_codes", Boolean, nullable=False),
    Column("require_billing_address", Boolean, nullable=False),
    Column("seats", Integer, nullable=True),
    Column("units", Integer, nullable=True),
    Column("trial_interval", String(16), nullable=True),
    Column("trial_interval_count", Integer, nullable=True),
    Column("success_url", String(2048), nullable=True),
    Column("return_url", String(2048), nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
# The client secret is the redirect's handle on the link.
Index("uq_checkout_links_client_secret", checkout_links.c.client_secret, unique=True)
# The pages of each sort order a checkout link list offers.
list_index(
    "ix_checkout_links_organization_id_created_at", checkout_links, checkout_links.c.created_at
)
list_index("ix_checkout_links_organization_id_label", checkout_links, checkout_links.c.label)
list_index(
    "ix_checkout_links_organization_id_success_url", checkout_links, checkout_links.c.success_url
)
list_index(
    "ix_checkout_links_organization_id_allow_discount_codes",
    checkout_links,
    checkout_links.c.allow_discount_codes,
)

# The products a link offers, in order (`position`).
checkout_link_products = Table(
    "checkout_link_products",
    metadata,
    Column(
        "checkout_link_id",
        Uuid,
        ForeignKey("checkout_links.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)
Index("ix_checkout_link_products_product_id", checkout_link_products.c.product_id)
