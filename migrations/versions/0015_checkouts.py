"""checkouts

Revision ID: 0015
Revises: 0014

Checkouts, with their list indexes (one per sort order), lookups by client secret, the expiry
sweep's index, and their row counts kept by triggers like every counted table's (see
0010_list_indexes.py).

Chains after 0013 on its own branch; after 0014_custom_fields once both are merged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, keys after the organization): each ends with the id.
LIST_INDEXES = [
    ("ix_checkouts_organization_id_created_at", ["created_at"]),
    ("ix_checkouts_organization_id_expires_at", ["expires_at"]),
    ("ix_checkouts_organization_id_status", ["status"]),
]

# 0010's count function, for this table (checkouts are never archived).
COUNT_FUNCTION = """
CREATE FUNCTION count_checkouts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkouts', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkouts', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkouts', organization_id, archived, sum(rows) FROM (
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
        "checkouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("product_price_id", sa.Uuid(), nullable=False),
        sa.Column("product_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("client_secret", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success_url", sa.String(length=2048), nullable=True),
        sa.Column("return_url", sa.String(length=2048), nullable=True),
        sa.Column("embed_origin", sa.String(length=2048), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("discount_amount", sa.BigInteger(), nullable=False),
        sa.Column("net_amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_amount", sa.BigInteger(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("custom_amount", sa.BigInteger(), nullable=True),
        sa.Column("discount_id", sa.Uuid(), nullable=True),
        sa.Column("allow_discount_codes", sa.Boolean(), nullable=False),
        sa.Column("require_billing_address", sa.Boolean(), nullable=False),
        sa.Column("is_business_customer", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("external_customer_id", sa.String(length=256), nullable=True),
        sa.Column("customer_email", sa.String(length=320), nullable=True),
        sa.Column("customer_name", sa.String(length=256), nullable=True),
        sa.Column("customer_billing_name", sa.String(length=256), nullable=True),
        sa.Column("customer_billing_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("customer_tax_id", sa.String(length=64), nullable=True),
        sa.Column("customer_ip_address", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("customer_metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_checkouts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_checkouts_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
    )
    op.create_index("uq_checkouts_client_secret", "checkouts", ["client_secret"], unique=True)
    op.create_index(
        "ix_checkouts_open_expires_at",
        "checkouts",
        ["expires_at"],
        postgresql_where=sa.text("status = 'open'"),
    )
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON checkouts ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_checkouts_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON checkouts "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON checkouts "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON checkouts "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON checkouts "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON checkouts")
    op.execute("DROP FUNCTION count_checkouts_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'checkouts'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="checkouts")
    op.drop_index("ix_checkouts_open_expires_at", table_name="checkouts")
    op.drop_index("uq_checkouts_client_secret", table_name="checkouts")
    op.drop_table("checkouts")
