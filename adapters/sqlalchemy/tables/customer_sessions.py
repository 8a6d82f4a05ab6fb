"""Customer sessions: each a token digest, for one customer, for an hour."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Table, Uuid

from adapters.sqlalchemy.tables.base import metadata, record_columns

customer_sessions = Table(
    "customer_sessions",
    metadata,
    *record_columns(),
    Column("token_digest", String(128), nullable=False, unique=True),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    # The customer's organization, kept to evict cached credentials with the organization's.
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("return_url", String(2048), nullable=True),
)
# The sweep reads the oldest expiries first; the customer's sessions go with it.
Index("ix_customer_sessions_expires_at", customer_sessions.c.expires_at)
Index("ix_customer_sessions_customer_id", customer_sessions.c.customer_id)
