"""Trial redemptions (domain/trial_redemption.py)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Uuid

from adapters.sqlalchemy.tables.base import metadata, record_columns

trial_redemptions = Table(
    "trial_redemptions",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Uuid, nullable=True),
    Column("customer_email", String(320), nullable=False),
)
# Whether an address had a trial from the organization: the confirm of a trial asks.
Index(
    "ix_trial_redemptions_organization_id_customer_email",
    trial_redemptions.c.organization_id,
    trial_redemptions.c.customer_email,
)
