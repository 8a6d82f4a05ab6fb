"""custom_fields

Revision ID: 0014
Revises: 0013

Custom fields and the product links to them (in order, each required or not), the fields
with their list indexes (one per sort order) and their row counts kept by triggers
like every counted table's (see 0010_list_indexes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, keys after the organization): each ends with the id.
LIST_INDEXES = [
    ("ix_custom_fields_organization_id_created_at", ["created_at"]),
    ("ix_custom_fields_organization_id_slug", ["slug"]),
    ("ix_custom_fields_organization_id_name", ["name"]),
    ("ix_custom_fields_organization_id_type", ["type"]),
]

# 0010's count function, for this table (custom fields are never archived).
COUNT_FUNCTION = """
CREATE FUNCTION count_custom_fields_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'custom_fields', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'custom_fields', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'custom_fields', organization_id, archived, sum(rows) FROM (
            SELECT organization_id, false AS archived, 1 AS rows FROM new_rows
            WHERE deleted_at IS NULL
            UNION ALL
            SELECT organization_id, false, -1 FROM old_rows WHERE deleted_at IS NULL
        ) AS changed
        GROUP BY 2, 3 HAVING sum(rows) <> 0;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "custom_fields",
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
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column(
            "properties",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_custom_fields_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
    )
    op.create_index(
        "uq_custom_fields_organization_id_slug_live",
        "custom_fields",
        ["organization_id", "slug"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "product_custom_fields",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("custom_field_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["custom_field_id"],
            ["custom_fields.id"],
            name=op.f("fk_product_custom_fields_custom_field_id_custom_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_custom_fields_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "product_id", "custom_field_id", name=op.f("pk_product_custom_fields")
        ),
    )
    op.create_index(
        "ix_product_custom_fields_custom_field_id", "product_custom_fields", ["custom_field_id"]
    )
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON custom_fields ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_custom_fields_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON custom_fields "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON custom_fields "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON custom_fields "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON custom_fields "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON custom_fields")
    op.execute("DROP FUNCTION count_custom_fields_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'custom_fields'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="custom_fields")
    op.drop_index("ix_product_custom_fields_custom_field_id", table_name="product_custom_fields")
    op.drop_table("product_custom_fields")
    op.drop_index("uq_custom_fields_organization_id_slug_live", table_name="custom_fields")
    op.drop_table("custom_fields")
