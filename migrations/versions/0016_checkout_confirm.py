"""checkout confirm

Revision ID: 0016
Revises: 0015

What confirming a checkout keeps: the customer's answers to the product's custom fields, and a
lookup of a discount's redemptions by checkout (a customer's redemptions are its confirmed and
succeeded checkouts with the discount).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "checkouts",
        sa.Column(
            "custom_field_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_checkouts_discount_id_customer_id",
        "checkouts",
        ["discount_id", "customer_id"],
        postgresql_where=sa.text("discount_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_checkouts_discount_id_customer_id", table_name="checkouts")
    op.drop_column("checkouts", "custom_field_data")
