"""Idempotency keys and the responses recorded under them."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, LargeBinary, String, Table, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sqlalchemy.tables.base import metadata

idempotency_records = Table(
    "idempotency_records",
    metadata,
    # Who sent the key ("organization:<id>", "user:<id>", "ip:<address>") and the key itself.
    Column("subject", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # The request that claimed the key (a random id per claim).
    Column("owner", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("leased_until", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # The recorded response; NULL while the claim is running.
    Column("response_status", Integer, nullable=True),
    Column("response_headers", JSONB, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
)
# The sweep deletes by expiry.
Index("ix_idempotency_records_expires_at", idempotency_records.c.expires_at)
