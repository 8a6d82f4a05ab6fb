"""checkout_links

Revision ID: 0018
Revises: 0017

Checkout links and their products (in order), the links with their list indexes (one per sort
order), the lookup by client secret, and their row counts kept by triggers like every counted
table's (see 0010_list_indexes.py).

Chained after 0017_orders at merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, keys after the organization): each ends with the id.
LIST_INDEXES = [
    ("ix_checkout_links_organization_id_created_at", ["created_at"]),
    ("ix_checkout_links_organization_id_label", ["label"]),
    ("ix_checkout_links_organization_id_success_url", ["success_url"]),
    ("ix_checkout_links_organization_id_allow_discount_codes", ["allow_discount_codes"]),
]

# 0010's count function, for this table (checkout links are never archived).
COUNT_FUNCTION = """
CREATE FUNCTION count_checkout_links_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkout_links', organization_id, false, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkout_links', organization_id, false, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT 'checkout_links', organization_id, archived, sum(rows) FROM (
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
        "checkout_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("client_secret", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=True),
        sa.Column("discount_id", sa.Uuid(), nullable=True),
        sa.Column("allow_discount_codes", sa.Boolean(), nullable=False),
        sa.Column("require_billing_address", sa.Boolean(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("trial_interval", sa.String(length=16), nullable=True),
        sa.Column("trial_interval_count", sa.Integer(), nullable=True),
        sa.Column("success_url", sa.String(length=2048), nullable=True),
        sa.Column("return_url", sa.String(length=2048), nullable=True),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_checkout_links_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_links")),
    )
    op.create_index(
        "uq_checkout_links_client_secret", "checkout_links", ["client_secret"], unique=True
    )
    op.create_table(
        "checkout_link_products",
        sa.Column("checkout_link_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_link_id"],
            ["checkout_links.id"],
            name=op.f("fk_checkout_link_products_checkout_link_id_checkout_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_checkout_link_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "checkout_link_id", "product_id", name=op.f("pk_checkout_link_products")
        ),
    )
    op.create_index(
        "ix_checkout_link_products_product_id", "checkout_link_products", ["product_id"]
    )
    for name, keys in LIST_INDEXES:
        columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
        op.execute(f"CREATE INDEX {name} ON checkout_links ({columns})")

    op.execute(COUNT_FUNCTION)
    function = "count_checkout_links_rows()"
    op.execute(
        "CREATE TRIGGER count_rows_insert AFTER INSERT ON checkout_links "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_update AFTER UPDATE ON checkout_links "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_delete AFTER DELETE ON checkout_links "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )
    op.execute(
        "CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON checkout_links "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
    )


def downgrade() -> None:
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER count_rows_{trigger} ON checkout_links")
    op.execute("DROP FUNCTION count_checkout_links_rows()")
    op.execute("DELETE FROM row_counts WHERE table_name = 'checkout_links'")
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="checkout_links")
    op.drop_index("ix_checkout_link_products_product_id", table_name="checkout_link_products")
    op.drop_table("checkout_link_products")
    op.drop_index("uq_checkout_links_client_secret", table_name="checkout_links")
    op.drop_table("checkout_links")
