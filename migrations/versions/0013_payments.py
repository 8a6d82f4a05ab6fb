"""payments

Revision ID: 0013
Revises: 0012

Payments, with their list indexes (one per sort order), lookups by processor id, checkout and
order, and their row counts kept by triggers like every counted table's (see
0010_list_indexes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, keys after the organization): each ends with the id.
LIST_INDEXES = [
    ("ix_payments_organization_id_created_at", ["created_at"]),
    ("ix_payments_organization_id_status", ["status"]),
    ("ix_payments_organization_id_amount", ["amount"]),
    ("ix_payments_organization_id_method", ["method"]),
]

# 0010's count function, for this table (payments are never archived).
COUNT_FUNCTION = """
CREATE FUNCTION count_payments_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'payments', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'payments', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'payments', organization_id, archived, sum(rows) FROM (
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
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("processor", sa.String(length=16), nullable=False),
        sa.Column("processor_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("method_metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("customer_email", sa.String(length=320), nullable=True),
        sa.Column("decline_reason", sa.String(length=64), nullable=True),
        sa.Column("decline_message", sa.String(length=512), nullable=True),
        sa.Column("checkout_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("trigger", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(
        "uq_payments_processor_processor_id",
        "payments",
        ["processor", "processor_id"],
        unique=True,
    )
    op.create_index(
        "ix_payments_checkout_id",
        "payments",
        ["checkout_id"],
        postgresql_where=sa.text("checkout_id IS NOT NULL"),
    )
    op.create_index(
        "ix_payments_order_id",
        "payments",
        ["order_id"],
        postgresql_where=sa.text("order_id IS NOT NULL"),
    )
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON payments ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_payments_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON payments "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON payments "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON payments "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON payments "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON payments")
    op.execute("DROP FUNCTION count_payments_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'payments'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="payments")
    op.drop_index("ix_payments_order_id", table_name="payments")
    op.drop_index("ix_payments_checkout_id", table_name="payments")
    op.drop_index("uq_payments_processor_processor_id", table_name="payments")
    op.drop_table("payments")
