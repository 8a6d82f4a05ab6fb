"""List totals from the row counts the database keeps, and their fold.

A total used to be a window count (`count(*) OVER ()`) over every matching row: at a million
rows that read the whole organization for a page of ten. Counted tables now have triggers
(migrations/versions/0010_list_indexes.py) that append, for every statement that inserts,
deletes, soft-deletes, restores, archives or unarchives rows, the change in live rows per
organization and archived or not to `row_counts` (tables/counts.py). So:

- A list filtered by nothing but tenancy, organizations and archived takes its total from
  `counted_total`: the sum of the readable organizations' rows there. It is exact at any size,
  costs a few index entries whatever the table holds, and counts rows written outside the
  application (an SQL import, a migration) like any other, since the triggers see every
  statement. The repository's build wraps its statement with `with_total`.
- Any other filter (ids, a text query, metadata, types…) keeps the window count: exact too,
  and it reads what the filter matches (an ids filter: at most the ids given).

`fold_row_counts`, run periodically, sums each key's appended changes into one row, so a total
sums one row plus the changes of the last few seconds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table, bindparam, func, select, text
from sqlalchemy.sql.elements import ColumnElement

from adapters.sqlalchemy.engine import ConnectionSource, begin
from adapters.sqlalchemy.kit.filters import where_readable
from adapters.sqlalchemy.tables import row_counts
from application.auth import SubjectKind

# The column carrying a page's total, whether counted by a window or read from row_counts.
TOTAL = "_total_count"


def counted_total(
    table: Table,
    kind: SubjectKind,
    *,
    by_organization: bool,
    archived: ColumnElement[Any] | bool | None = None,
) -> ColumnElement[Any]:
    """The live rows of `table` a subject of `kind` reads, from row_counts: in the organizations
    of the bound `organization_ids` when `by_organization`, archived or not when `archived` is
    given (a bound parameter, or a value fixed by the statement's shape)."""
    counts = row_counts
    statement = select(func.coalesce(func.sum(counts.c.rows), 0)).where(
        counts.c.table_name == table.name
    )
    statement = where_readable(statement, counts.c.organization_id, kind)
    if by_organization:
        statement = statement.where(
            counts.c.organization_id.in_(bindparam("organization_ids", expanding=True))
        )
    if archived is not None:
        statement = statement.where(counts.c.archived == archived)
    return statement.scalar_subquery()


def with_total(statement: Select[Any], total: ColumnElement[Any]) -> Select[Any]:
    """`statement` with `total` as each row's total (`RepositoryBase.paginate` then adds no
    window count)."""
    return statement.add_columns(total.label(TOTAL))


def total_of(statement: Select[Any]) -> ColumnElement[Any] | None:
    """The total `with_total` attached to `statement`, if any."""
    column = statement.selected_columns.get(TOTAL)
    return None if column is None else column.element


# The keys with changes not folded yet (a bounded batch of them), their rows deleted and summed
# into one folded row in the same statement: a reader sees the rows before or after, never
# both. Rows appended meanwhile are not in the statement's snapshot, so they wait for the next
# round; two folds at once delete disjoint rows (the later skips what the first deleted) and
# each writes the sum of its own. Keys summing to zero (an organization's rows all gone) leave
# no row.
_FOLD = text(
    """
WITH pending AS (
    SELECT DISTINCT table_name, organization_id, archived
    FROM row_counts WHERE NOT folded
    LIMIT :batch
), gone AS (
    DELETE FROM row_counts
    WHERE (table_name, organization_id, archived) IN (SELECT * FROM pending)
    RETURNING table_name, organization_id, archived, rows
)
INSERT INTO row_counts (table_name, organization_id, archived, rows, folded)
SELECT table_name, organization_id, archived, sum(rows), true
FROM gone
GROUP BY table_name, organization_id, archived
HAVING sum(rows) <> 0
"""
)


# Keys folded per statement.
FOLD_BATCH = 1000


async def fold_row_counts(source: ConnectionSource, *, batch: int = FOLD_BATCH) -> int:
    """Fold the changes of up to `batch` keys, in a transaction of its own; returns how many
    keys were left with a row."""
    async with source.connect(write=True) as connection:
        transaction = await begin(connection)
        try:
            result = await connection.execute(_FOLD, {"batch": batch})
            await transaction.commit()
        finally:
            if transaction.is_active:
                await transaction.rollback()
    return int(result.rowcount)
