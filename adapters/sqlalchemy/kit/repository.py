"""The generic repository: statements in, entities out.

Concrete repositories describe their table and how a row becomes an entity; this base gives
them the seed's verbs (`get_one_or_none`, `get_all`, `paginate`, `create`, `update`) and the
statement cache (`cached`, see kit/statements.py). Mixins add soft deletion and sorting. Use
cases never see a statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import fields
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Select,
    Table,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.kit.counts import TOTAL, total_of
from adapters.sqlalchemy.kit.direct import DirectRead, compile_direct
from adapters.sqlalchemy.kit.statements import STATEMENTS, UNCOMPILED, Cached
from application.kit.errors import AlreadyTaken
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock
from domain.base import Entity

E = TypeVar("E", bound=Entity)
P = TypeVar("P", bound=StrEnum)
S = TypeVar("S", bound=Executable)

# The bound parameter naming the row an UPDATE targets (a column's own name is reserved for SET).
_ENTITY_ID = "_entity_id"

# Unique constraints whose violation is the client's fault, with the body field they concern.
UNIQUE_FIELDS: dict[str, tuple[str, str]] = {}


def register_unique_field(constraint: str, field: str, message: str) -> None:
    UNIQUE_FIELDS[constraint] = (field, message)


def integrity_to_validation(error: IntegrityError) -> AlreadyTaken | None:
    constraint = getattr(error.orig, "constraint_name", None)
    if constraint is None and error.orig is not None:
        constraint = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
    if constraint in UNIQUE_FIELDS:
        field, message = UNIQUE_FIELDS[constraint]
        return AlreadyTaken(field, message)
    return None


def _paged(statement: Select[Any]) -> Select[Any]:
    """A page of `statement`'s rows, each carrying the total: the one `with_total` attached
    (kit/counts.py), or else a window count over every row the statement matches."""
    if total_of(statement) is None:
        statement = statement.add_columns(func.count().over().label(TOTAL))
    return statement.limit(bindparam("_limit", type_=Integer)).offset(
        bindparam("_offset", type_=Integer)
    )


def _counted(statement: Select[Any]) -> Select[Any]:
    total = total_of(statement)
    if total is not None:
        return select(total)
    return select(func.count()).select_from(statement.order_by(None).subquery())


def ordered(
    statement: Select[Any], keys: Sequence[tuple[ColumnElement[Any], bool]], id: Any
) -> Select[Any]:
    """`statement` ordered by each `(key, descending)`: ascending with nulls first, descending
    with nulls last; then by `id`, which breaks ties so that pages never overlap or skip rows,
    in the direction of the last key. An index on (organization, key ascending nulls first,
    id) (`tables.base.list_index`) then holds a one-key order both ways, read forward or
    backward, and a page stops after its rows."""
    clauses = [
        key.desc().nulls_last() if descending else key.asc().nulls_first()
        for key, descending in keys
    ]
    clauses.append(id.desc() if keys and keys[-1][1] else id.asc())
    return statement.order_by(*clauses)


def for_driver(statement: Cached[Any], connection: AsyncConnection) -> DirectRead | None:
    """`statement` compiled for the driver once (None: it must go through SQLAlchemy)."""
    direct = statement.direct
    if direct is UNCOMPILED:
        direct = statement.direct = compile_direct(statement.statement, connection.dialect)
    return direct


async def write(
    connection: AsyncConnection,
    statement: Cached[Any],
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    direct: bool,
) -> None:
    """Run a cached write (no rows back) in the connection's transaction: on the driver when
    `direct` (a write unit of work's, see kit/direct.py), else through SQLAlchemy.

    The driver's form is compiled for the columns the first parameters name; parameters naming
    others go through SQLAlchemy, which compiles per set of columns."""
    compiled = None
    if direct:
        first = params if isinstance(params, Mapping) else params[0]
        compiled = statement.direct
        if compiled is UNCOMPILED:
            compiled = statement.direct = compile_direct(
                statement.statement, connection.dialect, tuple(first)
            )
        if compiled is not None and compiled.column_keys != tuple(first):
            compiled = None
    if compiled is not None:
        await compiled.run(connection, params)
    else:
        await connection.execute(statement.statement, params)


class RepositoryBase(Generic[E]):
    table: ClassVar[Table]
    entity: ClassVar[type[Entity]]

    def __init__(
        self,
        connection: AsyncConnection,
        clock: Clock,
        *,
        direct_reads: bool = False,
        direct_writes: bool = False,
    ) -> None:
        self.connection = connection
        self.clock = clock
        # Set by read-only units of work: cached reads run on the driver, in autocommit.
        self.direct_reads = direct_reads
        # Set by write units of work: cached reads and writes run on the driver, in the unit
        # of work's transaction (see kit/direct.py).
        self.direct_writes = direct_writes

    # Row <-> entity. The default maps columns to same-named dataclass fields.

    def to_entity(self, row: Mapping[Any, Any]) -> E:
        names = {f.name for f in fields(self.entity)}
        return self.entity(**{k: v for k, v in row.items() if k in names})  # type: ignore[return-value]

    def to_row(self, entity: E) -> dict[str, Any]:
        return {c.name: getattr(entity, c.name) for c in self.table.columns}

    # Statements

    def get_base_statement(self) -> Select[Any]:
        return select(self.table)

    def cached(self, build: Callable[..., S], *shape: Hashable) -> Cached[S]:
        """The statement `build(*shape)`, built once per shape and run with bound parameters.

        On the hot path, building a statement and computing its cache key costs more than
        running a small query; a statement reused as-is skips both. `shape` is everything the
        statement's text depends on (never the values bound per call), and `build` reads
        nothing else but the repository: see `kit.statements` for how that is held.
        """
        return STATEMENTS.get(self, build, shape)

    async def rows(
        self, statement: Cached[Any] | Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Mapping[str, Any]]:
        """The rows of a SELECT, as mappings from column names to values.

        A statement from `cached` is read directly through the driver (see kit/direct.py);
        anything else goes through SQLAlchemy.
        """
        if isinstance(statement, Cached):
            direct = self._direct(statement)
            if direct is not None:
                rows = await direct.fetch(
                    self.connection, params, in_transaction=self.direct_writes
                )
                if rows is not None:
                    return rows
            executable: Executable = statement.statement
        else:
            executable = statement
        result = await self.connection.execute(executable, params)
        return result.mappings().all()  # type: ignore[return-value]

    def _direct(self, statement: Cached[Any]) -> DirectRead | None:
        """The statement compiled for the driver, when this unit of work runs them directly."""
        if not (self.direct_reads or self.direct_writes):
            return None
        return for_driver(statement, self.connection)

    async def execute(
        self, statement: Cached[Any], params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> Any:
        """Run a cached statement through SQLAlchemy and return its result (reads in a
        transaction that need a Result, such as locking reads)."""
        return await self.connection.execute(statement.statement, params)

    async def write(
        self, statement: Cached[Any], params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> None:
        """Run a cached write (no rows back): on the driver in a write unit of work (see
        kit/direct.py), else through SQLAlchemy."""
        await write(self.connection, statement, params, direct=self.direct_writes)

    async def get_one_or_none(
        self, statement: Cached[Select[Any]] | Select[Any], params: Mapping[str, Any] | None = None
    ) -> E | None:
        rows = await self.rows(statement, params)
        return self.to_entity(rows[0]) if rows else None

    async def get_all(
        self, statement: Cached[Select[Any]] | Select[Any], params: Mapping[str, Any] | None = None
    ) -> list[E]:
        return [self.to_entity(row) for row in await self.rows(statement, params)]

    async def get_by_id(self, id: uuid.UUID) -> E | None:
        return await self.get_one_or_none(self.get_base_statement().where(self.table.c.id == id))

    async def paginate(
        self,
        statement: Cached[Select[Any]],
        pagination: PaginationParams,
        params: Mapping[str, Any],
    ) -> Page[E]:
        """One query: the page's rows, each carrying the total (see `_paged`).

        The paged (and, past the last page, counted) forms of `statement` are built once and
        kept with it in the cache.
        """
        rows, count = await self.page_rows(statement, pagination, params)
        return Page(
            items=[self.to_entity(row) for row in rows], total_count=count, limit=pagination.limit
        )

    async def page_rows(
        self,
        statement: Cached[Select[Any]],
        pagination: PaginationParams,
        params: Mapping[str, Any],
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        """The rows of a page of `statement` and the total, for lists whose items are not
        this repository's entities (`paginate` maps them)."""
        values = {**params, "_limit": pagination.limit, "_offset": pagination.offset}
        rows = await self.rows(statement.derived(_paged), values)
        if rows:
            return rows, int(rows[0][TOTAL])
        if pagination.page > 1:
            # Past the last page the total has no row to ride on: count separately.
            result = await self.execute(statement.derived(_counted), params)
            return rows, int(result.scalar_one() or 0)
        return rows, 0

    # Writes run one statement per table with the row as parameters: building
    # `insert(table).values(**row)` anew costs more than the INSERT itself (coercing every value,
    # then a cache key over them), while a reused statement is compiled once per set of columns.

    async def create(self, entity: E) -> E:
        statement = self.cached(lambda: insert(self.table))
        try:
            await self.write(statement, self.to_row(entity))
        except IntegrityError as error:
            raise integrity_to_validation(error) or error from error
        return entity

    async def update(self, entity: E, changes: dict[str, Any] | None = None) -> E:
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        entity.modified_at = self.clock.now()
        row = self.to_row(entity)
        row[_ENTITY_ID] = row.pop("id")
        statement = self.cached(
            lambda: update(self.table).where(self.table.c.id == bindparam(_ENTITY_ID))
        )
        try:
            await self.write(statement, row)
        except IntegrityError as error:
            raise integrity_to_validation(error) or error from error
        return entity


class SoftDeletionMixin(RepositoryBase[E]):
    """Soft-deleted rows are invisible to every statement built on the base statement."""

    def get_base_statement(self) -> Select[Any]:
        return super().get_base_statement().where(self.table.c.deleted_at.is_(None))

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[E]:
        """The live rows among `ids`, in no particular order. `lock` holds them (FOR SHARE)
        until the transaction ends, against concurrent exclusive locks on them."""
        if not ids:
            return []

        def build(lock: bool) -> Select[Any]:
            # One array parameter (= ANY): the statement is rendered once, not per list length.
            statement = self.get_base_statement().where(
                self.table.c.id == any_(bindparam("ids", type_=ARRAY(Uuid)))
            )
            return statement.with_for_update(read=True) if lock else statement

        return await self.get_all(self.cached(build, lock), {"ids": list(ids)})

    async def get_including_deleted(self, id: uuid.UUID) -> E | None:
        """The row even when soft-deleted (records pointing at it still describe it)."""
        statement = self.cached(
            lambda: RepositoryBase.get_base_statement(self).where(
                self.table.c.id == bindparam("id", type_=Uuid)
            )
        )
        return await self.get_one_or_none(statement, {"id": id})


class SortingMixin(RepositoryBase[E], Generic[E, P]):
    sorting_columns: ClassVar[Mapping[Any, ColumnElement[Any]]]

    def apply_sorting(self, statement: Select[Any], sorting: Sequence[Sorting[P]]) -> Select[Any]:
        keys = [(self.sorting_columns[c.property], c.descending) for c in sorting]
        return ordered(statement, keys, self.table.c.id)
