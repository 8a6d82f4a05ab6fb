"""The live rows of the tables lists count, per organization, kept by the database.

Triggers on each counted table (migrations/versions/0010_list_indexes.py) append the change
every statement makes to the number of live rows, per organization and archived or not; the
periodic fold (`kit.counts.fold_row_counts`) sums each key's changes into one row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, String, Table, Uuid, text

from adapters.sqlalchemy.tables.base import metadata

row_counts = Table(
    "row_counts",
    metadata,
    Column("table_name", String(63), nullable=False),
    Column("organization_id", Uuid, nullable=False),
    # Products and meters count archived and live rows apart; other tables say false.
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    # The change a statement made to the key's live rows; once folded, their number.
    Column("rows", BigInteger, nullable=False),
    Column("folded", Boolean, nullable=False, server_default=text("false")),
)
# What a total sums (a key's folded row and the changes since), read from the index alone.
Index(
    "ix_row_counts_key",
    row_counts.c.table_name,
    row_counts.c.organization_id,
    row_counts.c.archived,
    postgresql_include=["rows"],
)
# What the fold picks up.
Index(
    "ix_row_counts_pending",
    row_counts.c.table_name,
    row_counts.c.organization_id,
    row_counts.c.archived,
    postgresql_where=text("NOT folded"),
)
