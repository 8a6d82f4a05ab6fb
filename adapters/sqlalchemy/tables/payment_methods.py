"""Saved payment methods."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import metadata, record_columns

payment_methods = Table(
    "payment_methods",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("processor", String(16), nullable=False),
    Column("processor_id", String(128), nullable=False),
    Column("type", String(32), nullable=False),
    # {"brand", "last4", "exp_month", "exp_year"}, as the API shows it.
    Column("method_metadata", JSONB, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
)
# A customer keeps a processor's method once: saving it again finds this row.
Index(
    "uq_payment_methods_customer_id_processor_id",
    payment_methods.c.customer_id,
    payment_methods.c.processor_id,
    unique=True,
)
# At most one default per customer.
Index(
    "uq_payment_methods_customer_id_default",
    payment_methods.c.customer_id,
    unique=True,
    postgresql_where=text("is_default"),
)
# A customer's list, newest first.
Index(
    "ix_payment_methods_customer_id_created_at",
    payment_methods.c.customer_id,
    payment_methods.c.created_at,
    payment_methods.c.id,
)
