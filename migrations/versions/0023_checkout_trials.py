"""checkout trials and products in use

Revision ID: 0023
Revises: 0022

A checkout's trial (whether it is allowed, its own interval overriding the product's, and when
the trial offered now would end). A product is in use while it has orders or a checkout whose
payment is under way: the lookups its deletion (and every full product read) makes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "checkouts",
        sa.Column("allow_trial", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.add_column("checkouts", sa.Column("trial_interval", sa.String(length=8), nullable=True))
    op.add_column("checkouts", sa.Column("trial_interval_count", sa.Integer(), nullable=True))
    op.add_column(
        "checkouts", sa.Column("trial_end", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_checkouts_confirmed_product_id",
        "checkouts",
        ["product_id"],
        postgresql_where=sa.text("status = 'confirmed'"),
    )
    op.create_index(
        "ix_orders_product_id",
        "orders",
        ["product_id"],
        postgresql_where=sa.text("product_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_product_id", table_name="orders")
    op.drop_index("ix_checkouts_confirmed_product_id", table_name="checkouts")
    for column in ("trial_end", "trial_interval_count", "trial_interval", "allow_trial"):
        op.drop_column("checkouts", column)
