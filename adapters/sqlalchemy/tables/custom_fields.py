"""Custom fields."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

custom_fields = Table(
    "custom_fields",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("type", String(16), nullable=False),
    Column("slug", String(256), nullable=False),
    Column("name", String(256), nullable=False),
    # The type's properties as sent, unset ones absent (domain/custom_field.py).
    Column("properties", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
# Slugs (stored lower-case) are unique per organization among live fields; the index also
# answers the lookup by slug.
Index(
    "uq_custom_fields_organization_id_slug_live",
    custom_fields.c.organization_id,
    custom_fields.c.slug,
    unique=True,
    postgresql_where=text("deleted_at IS NULL"),
)
# The pages of each sort order a custom field list offers.
list_index("ix_custom_fields_organization_id_created_at", custom_fields, custom_fields.c.created_at)
list_index("ix_custom_fields_organization_id_slug", custom_fields, custom_fields.c.slug)
list_index("ix_custom_fields_organization_id_name", custom_fields, custom_fields.c.name)
list_index("ix_custom_fields_organization_id_type", custom_fields, custom_fields.c.type)

# The custom fields a product's checkout asks, in order (`position`), each required or not.
product_custom_fields = Table(
    "product_custom_fields",
    metadata,
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "custom_field_id",
        Uuid,
        ForeignKey("custom_fields.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, nullable=False),
    Column("required", Boolean, nullable=False),
)
Index("ix_product_custom_fields_custom_field_id", product_custom_fields.c.custom_field_id)
