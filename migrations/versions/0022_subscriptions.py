"""subscriptions

Revision ID: 0022
Revises: 0021

Subscriptions, with their list indexes (one per sort order on the table's own columns), lookups
by customer, product, discount and checkout, and their row counts kept by triggers like every
counted table's (see 0010_list_indexes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, keys after the organization): each ends with the id.
LIST_INDEXES = [
    ("ix_subscriptions_organization_id_started_at", ["started_at"]),
    ("ix_subscriptions_organization_id_status", ["status"]),
    ("ix_subscriptions_organization_id_current_period_end", ["current_period_end"]),
    ("ix_subscriptions_organization_id_ended_at", ["ended_at"]),
    ("ix_subscriptions_organization_id_ends_at", ["ends_at"]),
    ("ix_subscriptions_organization_id_amount", ["amount"]),
]

# 0010's count function, for this table (subscriptions are never archived).
COUNT_FUNCTION = """
CREATE FUNCTION count_subscriptions_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'subscriptions', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'subscriptions', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'subscriptions', organization_id, archived, sum(rows) FROM (
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

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", TIMESTAMP, nullable=True),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column(
            "price_ids",
            postgresql.ARRAY(sa.Uuid()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recurring_interval", sa.String(length=8), nullable=False),
        sa.Column("recurring_interval_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("current_period_start", TIMESTAMP, nullable=False),
        sa.Column("current_period_end", TIMESTAMP, nullable=False),
        sa.Column("trial_start", TIMESTAMP, nullable=True),
        sa.Column("trial_end", TIMESTAMP, nullable=True),
        sa.Column(
            "cancel_at_period_end", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("canceled_at", TIMESTAMP, nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("ends_at", TIMESTAMP, nullable=True),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.Column("discount_id", sa.Uuid(), nullable=True),
        sa.Column("checkout_id", sa.Uuid(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "custom_field_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("customer_cancellation_reason", sa.String(length=32), nullable=True),
        sa.Column("customer_cancellation_comment", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_subscriptions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_subscriptions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_subscriptions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["discounts.id"],
            name=op.f("fk_subscriptions_discount_id_discounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_customer_id", "subscriptions", ["customer_id"])
    op.create_index("ix_subscriptions_product_id", "subscriptions", ["product_id"])
    op.create_index(
        "ix_subscriptions_discount_id",
        "subscriptions",
        ["discount_id"],
        postgresql_where=sa.text("discount_id IS NOT NULL"),
    )
    op.create_index(
        "ix_subscriptions_checkout_id",
        "subscriptions",
        ["checkout_id"],
        postgresql_where=sa.text("checkout_id IS NOT NULL"),
    )
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON subscriptions ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_subscriptions_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON subscriptions "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON subscriptions "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON subscriptions "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON subscriptions "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON subscriptions")
    op.execute("DROP FUNCTION count_subscriptions_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'subscriptions'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="subscriptions")
    for name in (
        "ix_subscriptions_checkout_id",
        "ix_subscriptions_discount_id",
        "ix_subscriptions_product_id",
        "ix_subscriptions_customer_id",
    ):
        op.drop_index(name, table_name="subscriptions")
    op.drop_table("subscriptions")
