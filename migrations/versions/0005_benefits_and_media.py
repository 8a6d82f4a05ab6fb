"""benefits and product media

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "benefits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=64), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("selectable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("deletable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_benefits_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefits")),
    )
    op.create_index(
        "ix_benefits_organization_id_created_at",
        "benefits",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "product_benefits",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("benefit_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_benefits_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefits.id"],
            name=op.f("fk_product_benefits_benefit_id_benefits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "benefit_id", name=op.f("pk_product_benefits")),
    )
    op.create_index(
        "ix_product_benefits_benefit_id", "product_benefits", ["benefit_id"], unique=False
    )
    op.create_table(
        "product_medias",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_medias_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["files.id"],
            name=op.f("fk_product_medias_file_id_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "file_id", name=op.f("pk_product_medias")),
    )
    op.create_index("ix_product_medias_file_id", "product_medias", ["file_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_product_medias_file_id", table_name="product_medias")
    op.drop_table("product_medias")
    op.drop_index("ix_product_benefits_benefit_id", table_name="product_benefits")
    op.drop_table("product_benefits")
    op.drop_index("ix_benefits_organization_id_created_at", table_name="benefits")
    op.drop_table("benefits")
