"""Benefits, and which products grant them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
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

# `properties` holds what the benefit's type defines (its strategy checks it); nothing queries
# inside it, so one JSONB column serves every type, present and future.
benefits = Table(
    "benefits",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("type", String(64), nullable=False),
    Column("description", String(64), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("selectable", Boolean, nullable=False, server_default=text("true")),
    Column("deletable", Boolean, nullable=False, server_default=text("true")),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("properties", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
# The pages of each sort order a benefit list offers (`user_order` is creation order).
list_index("ix_benefits_organization_id_created_at", benefits, benefits.c.created_at)
list_index("ix_benefits_organization_id_description", benefits, benefits.c.description)
list_index("ix_benefits_organization_id_type", benefits, benefits.c.type)

# The benefits a product grants, in the merchant's order. A row goes when the benefit is
# deleted (soft deletion detaches it) or the product's list is replaced.
product_benefits = Table(
    "product_benefits",
    metadata,
    Column(
        "product_id",
        Uuid,
        ForeignKey("products.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "benefit_id",
        Uuid,
        ForeignKey("benefits.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, nullable=False),
)
Index("ix_product_benefits_benefit_id", product_benefits.c.benefit_id)
