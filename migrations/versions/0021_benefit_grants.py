"""benefit grants and license keys

Revision ID: 0021
Revises: 0020

Benefit grants (one per customer, benefit, order and subscription: NULLS NOT DISTINCT), license
keys and their activations. Orders and subscriptions land in parallel: their ids are plain
columns here, their foreign keys come with them. Chained after 0020_refunds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _owner(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "organization_id",
            sa.Uuid(),
            sa.ForeignKey(
                "organizations.id", ondelete="CASCADE", name=f"fk_{table}_organization_id_organizations"
            ),
            nullable=False,
        ),
        sa.Column(
            "customer_id",
            sa.Uuid(),
            sa.ForeignKey(
                "customers.id", ondelete="CASCADE", name=f"fk_{table}_customer_id_customers"
            ),
            nullable=False,
        ),
        sa.Column(
            "benefit_id",
            sa.Uuid(),
            sa.ForeignKey("benefits.id", ondelete="CASCADE", name=f"fk_{table}_benefit_id_benefits"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "benefit_grants",
        *_record(),
        *_owner("benefit_grants"),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "properties",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        sa.Column("error", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_benefit_grants"),
    )
    op.create_index(
        "uq_benefit_grants_scope",
        "benefit_grants",
        ["customer_id", "benefit_id", "order_id", "subscription_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index("ix_benefit_grants_benefit_id", "benefit_grants", ["benefit_id"])
    op.create_index(
        "ix_benefit_grants_organization_id_created_at",
        "benefit_grants",
        ["organization_id", sa.text("created_at NULLS FIRST"), "id"],
    )
    op.create_table(
        "license_keys",
        *_record(),
        *_owner("license_keys"),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usage", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("limit_usage", sa.Integer(), nullable=True),
        sa.Column("limit_activations", sa.Integer(), nullable=True),
        sa.Column("validations", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_license_keys"),
    )
    op.create_index("uq_license_keys_key", "license_keys", ["key"], unique=True)
    op.create_index("ix_license_keys_organization_id_key", "license_keys", ["organization_id", "key"])
    op.create_index(
        "ix_license_keys_organization_id_created_at",
        "license_keys",
        ["organization_id", sa.text("created_at NULLS FIRST"), "id"],
    )
    op.create_table(
        "license_key_activations",
        *_record(),
        sa.Column(
            "license_key_id",
            sa.Uuid(),
            sa.ForeignKey(
                "license_keys.id",
                ondelete="CASCADE",
                name="fk_license_key_activations_license_key_id_license_keys",
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(256), nullable=False),
        sa.Column("meta", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "conditions", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.PrimaryKeyConstraint("id", name="pk_license_key_activations"),
    )
    op.create_index(
        "ix_license_key_activations_license_key_id_live",
        "license_key_activations",
        ["license_key_id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("license_key_activations")
    op.drop_table("license_keys")
    op.drop_table("benefit_grants")
