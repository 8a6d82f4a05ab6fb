"""Payments."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

payments = Table(
    "payments",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("processor", String(16), nullable=False),
    Column("processor_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(32), nullable=False),
    # {"brand", "last4"}, as the API shows it.
    Column("method_metadata", JSONB, nullable=False),
    Column("customer_id", Uuid, nullable=True),
    Column("customer_email", String(320), nullable=True),
    Column("decline_reason", String(64), nullable=True),
    Column("decline_message", String(512), nullable=True),
    # Checkouts and orders come with their modules; their foreign keys with them.
    Column("checkout_id", Uuid, nullable=True),
    Column("order_id", Uuid, nullable=True),
    Column("trigger", String(32), nullable=True),
    # The processor's id for the card charged, which a recurring purchase saves.
    Column("processor_method_id", String(128), nullable=True),
)
# A processor's ids are unique: an outcome report finds its payment by it.
Index(
    "uq_payments_processor_processor_id", payments.c.processor, payments.c.processor_id, unique=True
)
Index(
    "ix_payments_checkout_id",
    payments.c.checkout_id,
    postgresql_where=text("checkout_id IS NOT NULL"),
)
Index("ix_payments_order_id", payments.c.order_id, postgresql_where=text("order_id IS NOT NULL"))
# The pages of each sort order a payment list offers.
list_index("ix_payments_organization_id_created_at", payments, payments.c.created_at)
list_index("ix_payments_organization_id_status", payments, payments.c.status)
list_index("ix_payments_organization_id_amount", payments, payments.c.amount)
list_index("ix_payments_organization_id_method", payments, payments.c.method)
