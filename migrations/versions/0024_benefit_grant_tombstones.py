"""benefit grant tombstones

Revision ID: 0024
Revises: 0023

A revoke job that finds no grant for its scope (it ran before the grant job) records the scope
as revoked: a row with `is_tombstone` set, which the grant job then finds and leaves alone. Such
rows never were grants: lists leave them out.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "benefit_grants",
        sa.Column("is_tombstone", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )


def downgrade() -> None:
    op.execute("DELETE FROM benefit_grants WHERE is_tombstone")
    op.drop_column("benefit_grants", "is_tombstone")
