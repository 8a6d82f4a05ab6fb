"""Products and their prices."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

products = Table(
    "products",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(256), nullable=False),
    Column("description", Text, nullable=True),
    Column("visibility", String(16), nullable=False),
    Column("is_archived", Boolean, nullable=False, server_default=text("false")),
    Column("recurring_interval", String(16), nullable=True),
    Column("recurring_interval_count", Integer, nullable=True),
    Column("trial_interval", String(16), nullable=True),
    Column("trial_interval_count", Integer, nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
# The pages of the sort orders a product list offers (by price reads every product: a price is
# not a column of the product), and of the default order within archived or live products.
list_index("ix_products_organization_id_created_at", products, products.c.created_at)
list_index("ix_products_organization_id_name", products, products.c.name)
list_index(
    "ix_products_organization_id_is_archived_created_at",
    products,
    products.c.is_archived,
    products.c.created_at,
)

# One table for every kind of price. What all prices share (and what lists filter or sort on)
# are columns; what only one variant has (a fixed amount, custom bounds, seat tiers, a metered
# unit amount) lives in `details`, a JSONB object read back by the variant. A column per
# variant field would leave most of them null on every row and grow with each new price kind;
# prices are immutable, so nothing ever queries inside `details`. `sort_amount` is the one
# derived value lists need (the smallest charge a price allows, `Price.sort_amount()`).
product_prices = Table(
    "product_prices",
    metadata,
    *record_columns(),
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    Column("amount_type", String(32), nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("tax_behavior", String(16), nullable=True),
    Column("source", String(16), nullable=False),
    Column("is_archived", Boolean, nullable=False, server_default=text("false")),
    Column("sort_amount", Integer, nullable=True),
    # The meter a metered price bills (a column, unlike other variant fields, so that reads
    # join the meter's name and unit and a meter's archiving can find its prices).
    Column("meter_id", Uuid, ForeignKey("meters.id", ondelete="RESTRICT"), nullable=True),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
Index(
    "ix_product_prices_meter_id",
    product_prices.c.meter_id,
    postgresql_where=text("meter_id IS NOT NULL"),
)
Index(
    "ix_product_prices_product_id_created_at",
    product_prices.c.product_id,
    product_prices.c.created_at,
)

# The images of a product, in order. A file deleted later is hidden by the reads (its row stays
# until the product's list is replaced).
product_medias = Table(
    "product_medias",
    metadata,
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", Uuid, ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)
Index("ix_product_medias_file_id", product_medias.c.file_id)
