"""Orders."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

orders = Table(
    "orders",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Uuid, ForeignKey("products.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(32), nullable=False),
    Column("billing_reason", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal_amount", BigInteger, nullable=False),
    Column("discount_amount", BigInteger, nullable=False),
    Column("net_amount", BigInteger, nullable=False),
    Column("tax_amount", BigInteger, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("refunded_amount", BigInteger, nullable=False),
    Column("refunded_tax_amount", BigInteger, nullable=False),
    Column("billing_name", String(256), nullable=True),
    Column("billing_address", JSONB, nullable=True),
    Column("invoice_number", String(64), nullable=True),
    Column("seats", Integer, nullable=True),
    Column("units", Integer, nullable=True),
    Column("discount_id", Uuid, nullable=True),
    # Subscriptions come with their module; the foreign key with it.
    Column("subscription_id", Uuid, nullable=True),
    Column("checkout_id", Uuid, ForeignKey("checkouts.id", ondelete="SET NULL"), nullable=True),
    Column("description", String(512), nullable=False),
    # The order's lines, as OrderItem.document() writes them.
    Column("items", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("custom_field_data", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
# A checkout makes one order.
Index(
    "uq_orders_checkout_id",
    orders.c.checkout_id,
    unique=True,
    postgresql_where=text("checkout_id IS NOT NULL"),
)
Index("ix_orders_customer_id", orders.c.customer_id)
# A product with orders is in use (it cannot be deleted); orders are also listed by product.
Index(
    "ix_orders_product_id",
    orders.c.product_id,
    postgresql_where=text("product_id IS NOT NULL"),
)
Index(
    "ix_orders_subscription_id",
    orders.c.subscription_id,
    postgresql_where=text("subscription_id IS NOT NULL"),
)
# The pages of the sort orders an order list reads most.
list_index("ix_orders_organization_id_created_at", orders, orders.c.created_at)
list_index("ix_orders_organization_id_status", orders, orders.c.status)
list_index("ix_orders_organization_id_total_amount", orders, orders.c.total_amount)
list_index("ix_orders_organization_id_net_amount", orders, orders.c.net_amount)
