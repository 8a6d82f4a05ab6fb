"""Discounts."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

discounts = Table(
    "discounts",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(256), nullable=False),
    Column("type", String(16), nullable=False),
    Column("basis_points", Integer, nullable=True),
    # Fixed discounts: {"usd": 1000, "eur": 900} in minor units, and the currency reported first.
    Column("amounts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("currency", String(3), nullable=True),
    Column("duration", String(16), nullable=False),
    Column("duration_in_months", Integer, nullable=True),
    Column("code", String(256), nullable=True),
    Column("starts_at", DateTime(timezone=True), nullable=True),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("max_redemptions", Integer, nullable=True),
    Column("max_redemptions_per_customer", Integer, nullable=True),
    Column("redemptions_count", Integer, nullable=False, server_default="0"),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # Products the discount is restricted to. A plain array until the products module exists:
    # it may turn it into a join table with foreign keys.
    Column("product_ids", ARRAY(Uuid), nullable=False, server_default=text("'{}'::uuid[]")),
)
# Codes are unique per organization among live discounts, ignoring case.
Index(
    "uq_discounts_organization_id_code_live",
    discounts.c.organization_id,
    func.lower(discounts.c.code),
    unique=True,
    postgresql_where=text("deleted_at IS NULL AND code IS NOT NULL"),
)
# Whether a product is restricted to by a live discount (a product in use cannot be deleted):
# `product_ids @> ARRAY[product_id]` looks the product up here.
Index(
    "ix_discounts_product_ids_live",
    discounts.c.product_ids,
    postgresql_using="gin",
    postgresql_where=text("deleted_at IS NULL"),
)
# The pages of each sort order a discount list offers.
list_index("ix_discounts_organization_id_created_at", discounts, discounts.c.created_at)
list_index("ix_discounts_organization_id_name", discounts, discounts.c.name)
list_index("ix_discounts_organization_id_code", discounts, discounts.c.code)
list_index(
    "ix_discounts_organization_id_redemptions_count", discounts, discounts.c.redemptions_count
)
list_index("ix_discounts_organization_id_ends_at", discounts, discounts.c.ends_at)
