"""indexes in the lists' sort orders, and row counts kept by triggers

Revision ID: 0010
Revises: 0009

Each list's sort orders get an index (organization, key ascending nulls first, id): a page is
read from it forward or backward instead of sorting the organization's rows. Their totals come
from `row_counts`, which statement-level triggers keep for every write, the application's or
not (an SQL import, a later migration); see adapters/sqlalchemy/kit/counts.py.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Counted tables, and what makes one of their rows count as archived.
COUNTED = {
    "products": "is_archived",
    "meters": "archived_at IS NOT NULL",
    "benefits": "false",
    "discounts": "false",
    "files": "false",
    "organization_access_tokens": "false",
    "webhook_endpoints": "false",
    "webhook_deliveries": "false",
}

# (name, table, keys after the organization, where): each ends with the id.
LIST_INDEXES = [
    ("ix_products_organization_id_created_at", "products", ["created_at"], None),
    ("ix_products_organization_id_name", "products", ["name"], None),
    (
        "ix_products_organization_id_is_archived_created_at",
        "products",
        ["is_archived", "created_at"],
        None,
    ),
    ("ix_benefits_organization_id_created_at", "benefits", ["created_at"], None),
    ("ix_benefits_organization_id_description", "benefits", ["description"], None),
    ("ix_benefits_organization_id_type", "benefits", ["type"], None),
    ("ix_discounts_organization_id_created_at", "discounts", ["created_at"], None),
    ("ix_discounts_organization_id_name", "discounts", ["name"], None),
    ("ix_discounts_organization_id_code", "discounts", ["code"], None),
    ("ix_discounts_organization_id_redemptions_count", "discounts", ["redemptions_count"], None),
    ("ix_discounts_organization_id_ends_at", "discounts", ["ends_at"], None),
    ("ix_files_organization_id_created_at", "files", ["created_at"], None),
    ("ix_meters_organization_id_name", "meters", ["name"], None),
    ("ix_meters_organization_id_created_at", "meters", ["created_at"], None),
    ("ix_meters_organization_id_name_live", "meters", ["name"], "archived_at IS NULL"),
    ("ix_meters_organization_id_name_archived", "meters", ["name"], "archived_at IS NOT NULL"),
    ("ix_organization_access_tokens_organization_id", "organization_access_tokens", [], None),
    (
        "ix_organization_access_tokens_organization_id_created_at",
        "organization_access_tokens",
        ["created_at"],
        None,
    ),
    (
        "ix_organization_access_tokens_organization_id_comment",
        "organization_access_tokens",
        ["comment"],
        None,
    ),
    (
        "ix_organization_access_tokens_organization_id_last_used_at",
        "organization_access_tokens",
        ["last_used_at"],
        None,
    ),
    ("ix_webhook_endpoints_organization_id_created_at", "webhook_endpoints", ["created_at"], None),
    (
        "ix_webhook_deliveries_organization_id_created_at",
        "webhook_deliveries",
        ["created_at"],
        None,
    ),
]

# The indexes 0007 left that the ones above replace: (name, table, columns).
REPLACED = [
    ("ix_products_organization_id_created_at", "products", ["organization_id", "created_at"]),
    ("ix_benefits_organization_id_created_at", "benefits", ["organization_id", "created_at"]),
    ("ix_discounts_organization_id_created_at", "discounts", ["organization_id", "created_at"]),
    ("ix_files_organization_id_created_at", "files", ["organization_id", "created_at"]),
    ("ix_meters_organization_id_name", "meters", ["organization_id", "name"]),
    (
        "ix_organization_access_tokens_organization_id",
        "organization_access_tokens",
        ["organization_id"],
    ),
    (
        "ix_webhook_endpoints_organization_id_created_at",
        "webhook_endpoints",
        ["organization_id", "created_at"],
    ),
    (
        "ix_webhook_deliveries_organization_id_created_at",
        "webhook_deliveries",
        ["organization_id", "created_at"],
    ),
    ("ix_webhook_deliveries_endpoint_id", "webhook_deliveries", ["endpoint_id"]),
]

# One function per counted table: each statement appends its net change in live rows per
# (organization, archived) to row_counts. Statement-level, over the transition tables: one
# INSERT … SELECT of a million rows appends one row, not a million.
COUNT_FUNCTION = """
CREATE FUNCTION count_{table}_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT '{table}', organization_id, {archived}, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT '{table}', organization_id, {archived}, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY 2, 3;
    ELSE
        INSERT INTO row_counts (table_name, organization_id, archived, rows)
        SELECT '{table}', organization_id, archived, sum(rows) FROM (
            SELECT organization_id, {archived} AS archived, 1 AS rows FROM new_rows
            WHERE deleted_at IS NULL
            UNION ALL
            SELECT organization_id, {archived}, -1 FROM old_rows WHERE deleted_at IS NULL
        ) AS changed
        GROUP BY 2, 3 HAVING sum(rows) <> 0;
    END IF;
    RETURN NULL;
END
$$
"""

FORGET_FUNCTION = """
CREATE FUNCTION forget_row_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END
$$
"""


def _list_index(name: str, table: str, keys: list[str], where: str | None) -> None:
    columns = ", ".join(["organization_id", *(f"{key} NULLS FIRST" for key in keys), "id"])
    condition = f" WHERE {where}" if where else ""
    op.execute(f"CREATE INDEX {name} ON {table} ({columns}){condition}")


def upgrade() -> None:
    for name, table, _ in REPLACED:
        op.drop_index(name, table_name=table)
    for name, table, keys, where in LIST_INDEXES:
        _list_index(name, table, keys, where)
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_endpoint_id "
        "ON webhook_deliveries (endpoint_id, created_at NULLS FIRST, id)"
    )

    op.create_table(
        "row_counts",
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("folded", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "ix_row_counts_key",
        "row_counts",
        ["table_name", "organization_id", "archived"],
        postgresql_include=["rows"],
    )
    op.create_index(
        "ix_row_counts_pending",
        "row_counts",
        ["table_name", "organization_id", "archived"],
        postgresql_where=sa.text("NOT folded"),
    )
    op.execute(FORGET_FUNCTION)
    for table, archived in COUNTED.items():
        op.execute(COUNT_FUNCTION.format(table=table, archived=archived))
        function = f"count_{table}_rows()"
        op.execute(
            f"CREATE TRIGGER count_rows_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
        )
        op.execute(
            f"CREATE TRIGGER count_rows_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
        )
        op.execute(
            f"CREATE TRIGGER count_rows_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}"
        )
        op.execute(
            f"CREATE TRIGGER count_rows_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forget_row_counts()"
        )
        # The rows already there. The triggers above hold writers off until this commits, so
        # nothing is counted twice or missed.
        op.execute(
            "INSERT INTO row_counts (table_name, organization_id, archived, rows, folded) "
            f"SELECT '{table}', organization_id, {archived}, count(*), true FROM {table} "
            "WHERE deleted_at IS NULL GROUP BY 2, 3"
        )


def downgrade() -> None:
    for table in COUNTED:
        for trigger in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER count_rows_{trigger} ON {table}")
        op.execute(f"DROP FUNCTION count_{table}_rows()")
    op.execute("DROP FUNCTION forget_row_counts()")
    op.drop_index("ix_row_counts_pending", table_name="row_counts")
    op.drop_index("ix_row_counts_key", table_name="row_counts")
    op.drop_table("row_counts")
    op.drop_index("ix_webhook_deliveries_endpoint_id", table_name="webhook_deliveries")
    for name, table, _, _ in LIST_INDEXES:
        op.drop_index(name, table_name=table)
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
