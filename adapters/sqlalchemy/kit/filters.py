"""Clauses the repositories share: tenant isolation, text search and metadata filters.

Each clause binds its values as named parameters, so that a statement built with it serves
every request of its shape (see `kit.statements`); the matching `*_params` function gives the
values to bind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.sqlalchemy.tables import customers, memberships
from application.auth import AuthSubject, SubjectKind

# Readable statements take the subject's id as the bound parameter `subject_id`, so that one
# statement per subject kind serves every request.
SUBJECT_ID = "subject_id"


def subject_params(subject: AuthSubject) -> dict[str, Any]:
    return {SUBJECT_ID: subject.id}


def where_readable(statement: Select[Any], column: Any, kind: SubjectKind) -> Select[Any]:
    """Restrict `statement` to rows whose organization column a subject of `kind` may read:
    a user reads the organizations they are a member of, an organization reads itself.

    A user's organizations are read once, into an array (`= ANY(ARRAY(…))`), rather than as a
    semi-join: the array is an index condition, so a list filtered by an organization the user
    is not a member of finds nothing at once instead of checking every row of it.
    """
    subject_id = bindparam(SUBJECT_ID, type_=Uuid)
    if kind is SubjectKind.user:
        member_of = select(memberships.c.organization_id).where(
            memberships.c.user_id == subject_id, memberships.c.deleted_at.is_(None)
        )
        organizations = func.array(member_of.scalar_subquery(), type_=ARRAY(Uuid))
        return statement.where(column == any_(organizations))
    if kind is SubjectKind.organization:
        return statement.where(column == subject_id)
    # Anonymous and customer subjects read no merchant data.
    return statement.where(false())


def locked(
    statement: Select[Any], table: Table, lock: bool, *, nowait: bool = False
) -> Select[Any]:
    """`statement`, holding the rows it reads of `table` (FOR UPDATE) when `lock` is set.

    In PostgreSQL's read committed mode a locked read waits for a concurrent writer of the row
    and then reads the row as committed, the WHERE clause checked again: a row soft-deleted in
    between is not returned. With `nowait` it does not wait: a row held elsewhere fails the
    statement (engine.is_lock_refused), and the transaction with it."""
    return statement.with_for_update(of=table, nowait=nowait) if lock else statement


def containing(*columns: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows where any of `columns` contains the bound `query` (a `like_pattern`), ignoring
    case."""
    pattern = bindparam("query", type_=String)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def like_pattern(query: str) -> str:
    """A LIKE pattern matching `query` anywhere, its `%`, `_` and `\\` taken literally."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where_metadata(statement: Select[Any], column: ColumnElement[Any], count: int) -> Select[Any]:
    """Keep rows whose metadata matches `count` `?metadata[key]=value` filters, bound as
    `metadata_key_{i}` and `metadata_values_{i}` (see `metadata_params`)."""
    for index in range(count):
        value = func.jsonb_extract_path_text(
            column, bindparam(f"metadata_key_{index}", type_=String)
        )
        statement = statement.where(
            value.in_(bindparam(f"metadata_values_{index}", expanding=True))
        )
    return statement


def metadata_params(filters: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The parameters of `where_metadata`, in the filters' order: a key matches any of its
    values, each compared with the stored value's text form."""
    params: dict[str, Any] = {}
    for index, (name, values) in enumerate(filters.items()):
        params[f"metadata_key_{index}"] = name
        params[f"metadata_values_{index}"] = list(values)
    return params


def of_external_customers(table: Table) -> ColumnElement[bool]:
    """Rows of `table` whose customer (`customer_id`) has one of the bound
    `external_customer_ids`, among the customers of the row's own organization."""
    return table.c.customer_id.in_(
        select(customers.c.id).where(
            customers.c.organization_id == table.c.organization_id,
            customers.c.external_id.in_(bindparam("external_customer_ids", expanding=True)),
        )
    )
