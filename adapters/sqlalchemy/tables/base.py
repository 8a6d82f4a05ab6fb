"""The metadata every table hangs on, and the columns every record shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, DateTime, Index, MetaData, Table, Uuid, func, text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

LIVE = text("deleted_at IS NULL")


def record_columns() -> list[Column[object]]:
    return [
        Column("id", Uuid, primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("modified_at", DateTime(timezone=True), nullable=True),
        Column("deleted_at", DateTime(timezone=True), nullable=True),
    ]


def list_index(name: str, table: Table, *keys: ColumnElement[Any], **options: Any) -> Index:
    """The index a list reads its pages from: an organization's rows in the order of `keys`
    (ascending, nulls first), then by id.

    Lists order by a key ascending with nulls first, or descending with nulls last, then by
    the id in the key's direction (`kit.repository.ordered`): one such index serves both
    directions, read forward or backward, and a page stops after its rows instead of sorting
    the organization's. The keys are the sort orders the list offers (or an equality filter
    first, such as `is_archived`); `options` passes `postgresql_where` for a partial index.
    """
    columns = [key.asc().nulls_first() for key in keys]
    return Index(name, table.c.organization_id, *columns, table.c.id, **options)
