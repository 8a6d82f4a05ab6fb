"""meters, and the meter of metered prices

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("custom_label", sa.String(length=64), nullable=True),
        sa.Column("custom_multiplier", sa.Integer(), nullable=True),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("aggregation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_meters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
    )
    op.create_index("ix_meters_organization_id_name", "meters", ["organization_id", "name"], unique=False)
    # No metered price could be created before this revision, so the column starts empty.
    op.add_column("product_prices", sa.Column("meter_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_product_prices_meter_id_meters"),
        "product_prices",
        "meters",
        ["meter_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        "ix_product_prices_meter_id",
        "product_prices",
        ["meter_id"],
        unique=False,
        postgresql_where=sa.text("meter_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_product_prices_meter_id", table_name="product_prices")
    op.drop_constraint(op.f("fk_product_prices_meter_id_meters"), "product_prices", type_="foreignkey")
    op.drop_column("product_prices", "meter_id")
    op.drop_index("ix_meters_organization_id_name", table_name="meters")
    op.drop_table("meters")
