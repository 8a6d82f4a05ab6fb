"""Refunds."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

refunds = Table(
    "refunds",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("order_id", Uuid, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("subscription_id", Uuid, nullable=True),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("payment_id", Uuid, nullable=True),
    Column("status", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("tax_amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("comment", String(1024), nullable=True),
    Column("revoke_benefits", Boolean, nullable=False),
    Column("processor_id", String(128), nullable=True),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
Index(
    "uq_refunds_processor_id",
    refunds.c.processor_id,
    unique=True,
    postgresql_where=text("processor_id IS NOT NULL"),
)
Index("ix_refunds_order_id", refunds.c.order_id)
list_index("ix_refunds_organization_id_created_at", refunds, refunds.c.created_at)
list_index("ix_refunds_organization_id_amount", refunds, refunds.c.amount)
