"""refunds

Revision ID: 0020
Revises: 0019

Refunds of orders, found by the processor's id for them, with their list indexes and row
counts kept by triggers like every counted table's (see 0010_list_indexes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_INDEXES = [
    ("ix_refunds_organization_id_created_at", ["created_at"]),
    ("ix_refunds_organization_id_amount", ["amount"]),
]

COUNT_FUNCTION = """
CREATE FUNCTION count_refunds_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'refunds', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'refunds', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'refunds', organization_id, archived, sum(rows) FROM (
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
        "refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("comment", sa.String(length=1024), nullable=True),
        sa.Column("revoke_benefits", sa.Boolean(), nullable=False),
        sa.Column("processor_id", sa.String(length=128), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_refunds_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_refunds_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    op.create_index(
        "uq_refunds_processor_id",
        "refunds",
        ["processor_id"],
        unique=True,
        postgresql_where=sa.text("processor_id IS NOT NULL"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON refunds ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_refunds_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON refunds "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON refunds "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON refunds "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON refunds "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON refunds")
    op.execute("DROP FUNCTION count_refunds_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'refunds'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="refunds")
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_index("uq_refunds_processor_id", table_name="refunds")
    op.drop_table("refunds")
