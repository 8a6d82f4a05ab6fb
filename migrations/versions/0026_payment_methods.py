"""payment methods

Revision ID: 0026
Revises: 0025

Customers' saved payment methods (a trial's card, a recurring purchase's card), one per
customer and processor id, at most one of them the default; and on payments, the processor's
id for the card charged, which a recurring purchase saves once it succeeds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("processor", sa.String(length=16), nullable=False),
        sa.Column("processor_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("method_metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payment_methods_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_payment_methods_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    op.create_index(
        "uq_payment_methods_customer_id_processor_id",
        "payment_methods",
        ["customer_id", "processor_id"],
        unique=True,
    )
    op.create_index(
        "uq_payment_methods_customer_id_default",
        "payment_methods",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_index(
        "ix_payment_methods_customer_id_created_at",
        "payment_methods",
        ["customer_id", "created_at", "id"],
    )
    op.add_column(
        "payments", sa.Column("processor_method_id", sa.String(length=128), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("payments", "processor_method_id")
    op.drop_table("payment_methods")
