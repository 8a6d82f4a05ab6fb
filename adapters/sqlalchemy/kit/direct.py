"""Direct reads: a cached SELECT run on the driver's connection, past SQLAlchemy's execution layer.

This is the one module that reaches into SQLAlchemy's internals (the compiled statement's
`_bind_processors` and `_result_columns`, the types' `_cached_result_processor`, the
connection's `_has_events` and the `before/after_cursor_execute` dispatch called without a
cursor). They are not public API and may change in any minor release, so:

- pyproject.toml pins SQLAlchemy to the minor version this was written for (`WRITTEN_FOR`);
- on any other minor version (or if an internal is missing) `compile_direct` answers None,
  once logged, and every read goes through SQLAlchemy as usual;
- `MERIDIAN_DIRECT_READS=false` turns the path off altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

log = logging.getLogger("meridian.sqlalchemy.direct")

# The SQLAlchemy minor version whose internals `DirectRead` was written against and tested with.
WRITTEN_FOR = "2.1"
# The running version; a module attribute so that tests can pretend another one.
SQLALCHEMY_VERSION: str = sqlalchemy.__version__

# Why direct reads are off in this process, once they were refused (logged when set).
refused: str | None = None


def _refuse(reason: str) -> None:
    global refused  # One refusal per process, logged once.
    if refused is None:
        refused = reason
        log.warning("direct reads are off, every read goes through SQLAlchemy: %s", reason)


def supported() -> bool:
    """Whether direct reads may run: the running SQLAlchemy is the minor version they were
    written for, and nothing they use was found missing."""
    if refused is not None:
        return False
    minor = ".".join(SQLALCHEMY_VERSION.split(".")[:2])
    if minor != WRITTEN_FOR:
        _refuse(f"written for SQLAlchemy {WRITTEN_FOR}.x, running {SQLALCHEMY_VERSION}")
        return False
    return True


class DirectRead:
    """A cached SELECT compiled once, run on the driver's connection without SQLAlchemy's
    execution layer.

    SQLAlchemy stays the statement builder and compiler; what is skipped per call is its
    execution context, result wrapping and the greenlet hop, which cost more than the
    database's own work for a small indexed read. The parameters and rows are processed with
    the same bind and result processors SQLAlchemy would apply, and engine listeners of
    `before_cursor_execute` / `after_cursor_execute` still see each statement (with no cursor
    or execution context). Used by read-only units of work only: their connections are in
    autocommit, so there is no pending transaction that SQLAlchemy would have begun first.
    """

    __slots__ = ("bind_processors", "compiled", "positions", "result_processors", "sql")

    def __init__(self, compiled: SQLCompiler, dialect: Dialect) -> None:
        self.compiled = compiled
        self.sql = compiled.string
        self.positions = list(compiled.positiontup or [])
        processors = compiled._bind_processors
        self.bind_processors = [
            (index, processors[name])
            for index, name in enumerate(self.positions)
            if name in processors
        ]
        self.result_processors = [
            (column.keyname, processor)
            for column in compiled._result_columns
            if (processor := column.type._cached_result_processor(dialect, None)) is not None
        ]

    async def fetch(
        self, connection: AsyncConnection, params: Mapping[str, Any] | None
    ) -> Sequence[Mapping[str, Any]] | None:
        """The rows, or None if the driver failed (see `RepositoryBase.rows`)."""
        values = self.compiled.construct_params(params)
        arguments = [values[name] for name in self.positions]
        for index, process in self.bind_processors:
            arguments[index] = process(arguments[index])  # type: ignore[operator]
        sync = connection.sync_connection
        assert sync is not None
        driver = sync.connection.driver_connection
        listened = sync._has_events or sync.engine._has_events
        if listened:
            sync.dispatch.before_cursor_execute(sync, None, self.sql, arguments, None, False)
        try:
            records = await driver.fetch(self.sql, *arguments)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - answered by running the statement through SQLAlchemy
            # The caller runs the read again through SQLAlchemy, which raises its own wrapped
            # errors (those the API maps, such as "database unavailable") and invalidates the
            # pooled connection if the database went away. Only reads take this path.
            return None
        if listened:
            sync.dispatch.after_cursor_execute(sync, None, self.sql, arguments, None, False)
        if not self.result_processors:
            return records  # type: ignore[no-any-return]
        rows = [dict(record.items()) for record in records]
        for row in rows:
            for key, process in self.result_processors:
                row[key] = process(row[key])
        return rows


def compile_direct(statement: Executable, dialect: Dialect) -> DirectRead | None:
    """`statement` compiled for direct reads, or None when it must go through SQLAlchemy."""
    if not supported():
        return None
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None  # IN-list expansion happens per call: leave it to SQLAlchemy.
    try:
        return DirectRead(compiled, dialect)
    except AttributeError as error:  # An internal this module relies on has gone.
        _refuse(f"SQLAlchemy {SQLALCHEMY_VERSION} lacks an internal they use: {error}")
        return None
